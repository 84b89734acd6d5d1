//! Tests of the non-UPDATE codec: golden bytes from the conformance corpus and
//! from ExaBGP 5.0.15 itself, stream framing, and quickcheck properties.

mod arbitrary;
mod framing;
mod golden;
mod properties;

/// Parse hex, ignoring `:` and whitespace (the corpus `.msg` decoration).
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    let clean: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    assert_eq!(clean.len() & 1, 0, "odd hex length");
    clean
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}
