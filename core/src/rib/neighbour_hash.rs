//! Table hashes that keep neighbouring IPv4 prefixes in neighbouring buckets.
//!
//! Feeds and peers send tables in order. A hash that puts the low 6 bits of a
//! prefix's network number (the address without its host bits) in the bits
//! that pick the bucket, and a mix of everything else above them, lets 64
//! consecutive prefixes of one length fill 64 neighbouring buckets (a few
//! cache lines) instead of 64 random pages, while distinct runs of 64 still
//! spread over the whole table: a run holds at most 64 keys, so no input can
//! pile more than that onto one spot. The same low bits also go into the top
//! 7 bits, the per-bucket tag hashbrown compares first, so neighbours do not
//! all share one tag. Used by the Adj-RIB-Out index and the Adj-RIB-In.

/// splitmix64's finalizer: a bijection whose every output bit depends on
/// every input bit.
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The network number of `addr/len`: the address shifted right by its host
/// bits (the address itself for /0).
pub(crate) fn network(addr: u32, len: u8) -> u32 {
    match len {
        1..=32 => addr >> (32 - len),
        _ => addr,
    }
}

/// A table hash whose bucket bits are `run`'s low 6 bits and whose other
/// bits (tag included) come from mixing `rest`.
pub(crate) fn spread(run: u64, rest: u64) -> u64 {
    let run = run & 63;
    let x = mix64(rest);
    ((x & !63) ^ (run << 57)) | run
}
