//! Minimal BGP peers for the macro scenarios, over blocking std sockets.
//! They listen; the system under test connects out (ExaBGP's default
//! behaviour with `exabgp.tcp.bind` empty). The handshake answers the SUT's
//! OPEN with the same capabilities (our ASN in place of its ASN), so whatever
//! the SUT proposes is negotiated.

use crate::fixture;
use bytes::BytesMut;
use oxbgp_core::wire::header::header_bytes;
use oxbgp_core::wire::message::Message;
use oxbgp_core::wire::open::Open;
use oxbgp_core::wire::{Capability, CodecContext, Framer, MessageType, MAX_EXTENDED_MESSAGE};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

pub const PEER_AS: u32 = 65002;

pub fn keepalive() -> [u8; 19] {
    header_bytes(MessageType::Keepalive.code(), 19)
}

/// A connected session: the stream and the bytes read past the handshake.
pub struct Session {
    pub stream: TcpStream,
    pub framer: Framer,
    pub ctx: CodecContext,
}

fn read_more(s: &mut TcpStream, f: &mut Framer, buf: &mut [u8]) -> io::Result<usize> {
    let n = s.read(buf)?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed"));
    }
    f.push(&buf[..n]);
    Ok(n)
}

/// Wait for the SUT's OPEN, answer OPEN + KEEPALIVE, wait for its KEEPALIVE.
pub fn handshake(mut stream: TcpStream, router_id: Ipv4Addr) -> io::Result<Session> {
    stream.set_nodelay(true)?;
    let mut f = Framer::new(MAX_EXTENDED_MESSAGE);
    let mut buf = vec![0u8; 65536];
    let mut ctx = CodecContext::default();
    let mut opened = false;
    loop {
        let frame = match f.next_frame() {
            Ok(Some(fr)) => fr,
            Ok(None) => {
                read_more(&mut stream, &mut f, &mut buf)?;
                continue;
            }
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        };
        match frame.kind {
            MessageType::Open if !opened => {
                let theirs = Open::decode(&frame.body)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                // Extended messages (RFC 8654) are not echoed: every SUT then
                // uses 4096-octet UPDATEs, as ExaBGP does by default, so the
                // comparison is like for like.
                let mut caps: Vec<Capability> = theirs
                    .capabilities
                    .iter()
                    .filter(|c| **c != Capability::ExtendedMessage)
                    .cloned()
                    .collect();
                for c in caps.iter_mut() {
                    if let Capability::FourOctetAs(a) = c {
                        *a = PEER_AS;
                    }
                }
                ctx.asn4 = caps.iter().any(|c| matches!(c, Capability::FourOctetAs(_)));
                let ours = Open {
                    version: 4,
                    my_as: PEER_AS as u16,
                    hold_time: theirs.hold_time,
                    bgp_id: router_id,
                    capabilities: caps,
                };
                let mut out = BytesMut::new();
                Message::Open(ours).encode(&CodecContext::default(), &mut out);
                out.extend_from_slice(&keepalive());
                stream.write_all(&out)?;
                opened = true;
            }
            MessageType::Keepalive if opened => {
                f.set_max_message(ctx.max_message);
                return Ok(Session {
                    stream,
                    framer: f,
                    ctx,
                });
            }
            MessageType::Notification => {
                return Err(io::Error::other("SUT sent a NOTIFICATION"));
            }
            _ => {}
        }
    }
}

/// What a sink saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct SinkStats {
    pub prefixes: u64,
    pub updates: u64,
    pub first: Option<Instant>,
    pub last: Option<Instant>,
}

/// Count announced prefixes until `target` (or EOF / `deadline`), answering
/// KEEPALIVEs. `progress` is called on each UPDATE with the running count.
pub fn sink(s: &mut Session, target: u64, deadline: Instant) -> io::Result<SinkStats> {
    let mut st = SinkStats::default();
    let mut buf = vec![0u8; 1 << 20];
    s.stream
        .set_read_timeout(Some(Duration::from_millis(200)))?;
    while st.prefixes < target && Instant::now() < deadline {
        loop {
            let frame = match s.framer.next_frame() {
                Ok(Some(fr)) => fr,
                Ok(None) => break,
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            };
            match frame.kind {
                MessageType::Update => {
                    let n = match fixture::count_classic_nlri(&frame.body) {
                        Some(n) => n as u64,
                        None => 0,
                    };
                    // MP_REACH routes are not counted by the fast path;
                    // scenarios only announce IPv4 unicast.
                    st.updates += 1;
                    if n > 0 {
                        let now = Instant::now();
                        st.first.get_or_insert(now);
                        st.last = Some(now);
                        st.prefixes += n;
                    }
                }
                MessageType::Keepalive => s.stream.write_all(&keepalive())?,
                MessageType::Notification => {
                    return Err(io::Error::other("SUT sent a NOTIFICATION"))
                }
                _ => {}
            }
        }
        if st.prefixes >= target {
            break;
        }
        match read_more(&mut s.stream, &mut s.framer, &mut buf) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(st)
}

/// Keep the session up until `stop` says so: drain input, answer KEEPALIVEs.
pub fn idle(s: &mut Session, stop: &dyn Fn() -> bool) -> io::Result<()> {
    let mut buf = vec![0u8; 4096];
    s.stream
        .set_read_timeout(Some(Duration::from_millis(200)))?;
    while !stop() {
        while let Ok(Some(frame)) = s.framer.next_frame() {
            if frame.kind == MessageType::Keepalive {
                s.stream.write_all(&keepalive())?;
            }
        }
        match read_more(&mut s.stream, &mut s.framer, &mut buf) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
