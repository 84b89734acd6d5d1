//! The scripted BGP test peer (FORMAT.md §3).
//!
//! [`PeerState`] holds the expectation logic and is pure apart from signal
//! delivery; [`serve`] drives it over loopback TCP connections with `poll(2)`.

use crate::msgfile::{to_hex, ExpectKind, Expectation, Group, MsgFile, PeerOptions};
use crate::wire_text;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// BGP header length (RFC 4271 §4.1).
const HEADER_LEN: usize = 19;
const MARKER: [u8; 16] = [0xFF; 16];

/// Where the peer learns the SUT's process id for `signal` actions (§3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PidSource {
    /// No SUT pid: a signal action fails the test.
    None,
    Pid(i32),
    /// A file holding the pid in decimal, read when the action fires (the
    /// runner writes it right after starting the SUT).
    File(PathBuf),
}

/// Build a message from type and body.
pub fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = MARKER.to_vec();
    let len = (HEADER_LEN + body.len()) as u16;
    m.extend_from_slice(&len.to_be_bytes());
    m.push(kind);
    m.extend_from_slice(body);
    m
}

pub fn keepalive() -> Vec<u8> {
    message(4, &[])
}

/// The fixed UPDATE of `option:update:send-default-route` (§3.3 step 4).
pub fn default_route_update() -> Vec<u8> {
    message(
        2,
        &[
            0x00, 0x00, 0x00, 0x15, 0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00, 0x40, 0x03, 0x04,
            0x7F, 0x00, 0x00, 0x01, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64, 0x20, 0x00, 0x00,
            0x00, 0x00,
        ],
    )
}

/// Cease (6) / subcode 0 with the text as data (§2.2 `notification`).
pub fn cease_notification(text: &str) -> Vec<u8> {
    let mut body = vec![6, 0];
    body.extend_from_slice(text.as_bytes());
    message(3, &body)
}

/// The peer's OPEN: a copy of the SUT's one with the §3.2 modifications.
pub fn open_reply(open: &[u8], opts: &PeerOptions) -> Result<Vec<u8>, String> {
    // header(19) + version(1) + AS(2) + hold(2) + id(4) + opt len(1)
    if open.len() < 29 {
        return Err(format!("OPEN too short ({} bytes)", open.len()));
    }
    let mut r = open.to_vec();
    match opts.asn {
        Some(asn) => {
            r[20..22].copy_from_slice(&asn.to_be_bytes());
            let plen = r[28] as usize;
            let end = (29 + plen).min(r.len());
            let mut i = 29;
            // Only the first capability of each parameter is examined (§3.2).
            while i + 2 <= end {
                let (ptype, pl) = (r[i], r[i + 1] as usize);
                if ptype == 2 && pl >= 6 && i + 2 + pl <= end && r[i + 2] == 65 && r[i + 3] == 4 {
                    r[i + 4..i + 8].copy_from_slice(&(asn as u32).to_be_bytes());
                    break;
                }
                i += 2 + pl;
            }
        }
        None => r[27] = r[27].wrapping_add(1),
    }
    if opts.send_unknown_capability {
        r.extend_from_slice(&[2, 12, 66, 10]);
        r.extend_from_slice(b"loremipsum");
        r[28] = r[28].wrapping_add(14);
        let len = u16::from_be_bytes([r[16], r[17]]).wrapping_add(14);
        r[16..18].copy_from_slice(&len.to_be_bytes());
    }
    Ok(r)
}

fn is_end_of_rib(msg: &[u8]) -> bool {
    // body of 4 bytes (IPv4) or 11 bytes (MP_UNREACH with extended length)
    msg.get(18) == Some(&2) && (msg.len() == HEADER_LEN + 4 || msg.len() == HEADER_LEN + 11)
}

fn signal_number(name: &str) -> Option<i32> {
    let n = name.trim().to_ascii_uppercase();
    let n = n.strip_prefix("SIG").unwrap_or(&n);
    Some(match n {
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        "HUP" => libc::SIGHUP,
        "TERM" => libc::SIGTERM,
        "INT" => libc::SIGINT,
        "ALRM" => libc::SIGALRM,
        _ => return None,
    })
}

/// What to do after a message was handled.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reaction {
    /// Bytes to write on the connection, in order.
    pub write: Vec<u8>,
    /// `Some(Ok)` = test succeeded, `Some(Err(report))` = test failed.
    pub finished: Option<Result<(), String>>,
}

/// The expectation state shared by all connections of one test (§3.4).
#[derive(Debug)]
pub struct PeerState {
    pub options: PeerOptions,
    current: Option<Group>,
    groups: VecDeque<Group>,
    /// Consumed UPDATEs (not End-of-RIB), echoed on ROUTE-REFRESH (§3.6).
    rr_updates: Vec<Vec<u8>>,
    pid: PidSource,
    /// Signals delivered so far (for tests and the report).
    pub signals_sent: Vec<String>,
    /// Progress summary rewritten after every message, so that a runner that
    /// has to kill a stuck peer can still say what it was waiting for.
    pub status_file: Option<PathBuf>,
    connections: u64,
    received: u64,
    last: Option<(u8, usize)>,
}

impl PeerState {
    pub fn new(msg: MsgFile, pid: PidSource) -> Self {
        let mut s = PeerState {
            options: msg.options,
            current: None,
            groups: msg.groups.into(),
            rr_updates: Vec::new(),
            pid,
            signals_sent: Vec::new(),
            status_file: None,
            connections: 0,
            received: 0,
            last: None,
        };
        s.advance();
        s
    }

    /// Load the next group while the current one is empty (§3.5).
    fn advance(&mut self) {
        while match &self.current {
            None => true,
            Some(g) => g.entries.is_empty(),
        } {
            match self.groups.pop_front() {
                Some(g) => self.current = Some(g),
                None => {
                    self.current = None;
                    return;
                }
            }
        }
    }

    /// One-line progress summary.
    pub fn status(&self) -> String {
        let last = match self.last {
            Some((t, len)) => format!(" (last: {} length {len})", wire_text::type_name(t)),
            None => String::new(),
        };
        let waiting = match &self.current {
            Some(g) => format!(
                "waiting for group {}{} ({} left, {} more groups)",
                g.letter,
                g.number,
                g.entries.len(),
                self.groups.len()
            ),
            None => "nothing left to expect".into(),
        };
        format!(
            "{} connection(s), {} message(s) received{last}, {waiting}",
            self.connections, self.received
        )
    }

    /// Record an accepted connection.
    pub fn note_connection(&mut self) {
        self.connections += 1;
        self.save_status();
    }

    fn note_message(&mut self, msg: &[u8]) {
        self.received += 1;
        self.last = Some((msg.get(18).copied().unwrap_or(0), msg.len()));
    }

    fn save_status(&self) {
        if let Some(f) = &self.status_file {
            let _ = std::fs::write(f, format!("{}\n", self.status()));
        }
    }

    /// Nothing left to expect: the test is successful.
    pub fn nothing_left(&self) -> bool {
        self.current.is_none() && self.groups.is_empty()
    }

    fn head(&self) -> Option<&Expectation> {
        self.current.as_ref().and_then(|g| g.entries.first())
    }

    fn pop_head(&mut self) -> Option<Expectation> {
        let g = self.current.as_mut()?;
        if g.entries.is_empty() {
            None
        } else {
            Some(g.entries.remove(0))
        }
    }

    fn deliver_signal(&mut self, name: &str) -> Result<(), String> {
        let sig = signal_number(name).ok_or_else(|| format!("unknown signal {name:?}"))?;
        let pid = match &self.pid {
            PidSource::None => return Err(format!("cannot send {name}: SUT pid unknown")),
            PidSource::Pid(p) => *p,
            PidSource::File(f) => std::fs::read_to_string(f)
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
                .ok_or_else(|| format!("cannot send {name}: no pid in {}", f.display()))?,
        };
        if pid <= 0 {
            return Err(format!("cannot send {name}: invalid pid {pid}"));
        }
        // SAFETY: plain kill(2) on the pid the runner gave us.
        let rc = unsafe { libc::kill(pid, sig) };
        if rc != 0 {
            return Err(format!(
                "kill({pid}, {name}) failed: {}",
                std::io::Error::last_os_error()
            ));
        }
        self.signals_sent.push(name.to_string());
        Ok(())
    }

    /// Pending actions at the head of the current group (§3.5).
    fn actions(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        self.advance();
        if let Some(ExpectKind::Signal(name)) = self.head().map(|e| e.kind.clone()) {
            self.pop_head();
            self.deliver_signal(&name)?;
        }
        self.advance();
        if let Some(ExpectKind::Notification(text)) = self.head().map(|e| e.kind.clone()) {
            self.pop_head();
            out.extend_from_slice(&cease_notification(&text));
        }
        self.advance();
        Ok(())
    }

    fn remaining_report(&self) -> String {
        let mut s = String::new();
        match &self.current {
            Some(g) => {
                s.push_str(&format!(
                    "remaining expectations of group {}{}:\n",
                    g.letter, g.number
                ));
                for e in &g.entries {
                    s.push_str(&format!("  {}\n", e.line));
                    if let ExpectKind::Raw { hex, with_marker } = &e.kind {
                        let mut bytes = crate::msgfile::from_hex(hex).unwrap_or_default();
                        if !with_marker {
                            let mut full = MARKER.to_vec();
                            full.append(&mut bytes);
                            bytes = full;
                        }
                        for l in wire_text::describe(&bytes).lines() {
                            s.push_str(&format!("    {l}\n"));
                        }
                    }
                }
            }
            None => s.push_str("no expectation left\n"),
        }
        s.push_str(&format!("groups after it: {}\n", self.groups.len()));
        s
    }

    fn failure(&self, headline: String, msg: &[u8]) -> String {
        format!(
            "{headline}\nreceived:\n{}{}",
            wire_text::describe(msg),
            self.remaining_report()
        )
    }

    /// Try to consume an expectation of the current group (§3.4 steps 4-7).
    /// Returns Err(report) on mismatch.
    fn consume(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        let pos = self
            .current
            .as_ref()
            .and_then(|g| g.entries.iter().position(|e| e.matches(msg)));
        let Some(pos) = pos else {
            let t = msg.get(18).copied().unwrap_or(0);
            let headline = match &self.current {
                Some(g) => format!(
                    "unexpected {} (length {}) while expecting group {}{} ({} left)",
                    wire_text::type_name(t),
                    msg.len(),
                    g.letter,
                    g.number,
                    g.entries.len()
                ),
                None => format!("unexpected {}", wire_text::type_name(t)),
            };
            return Err(self.failure(headline, msg));
        };
        if let Some(g) = self.current.as_mut() {
            g.entries.remove(pos);
        }
        if msg.get(18) == Some(&2) && !is_end_of_rib(msg) {
            self.rr_updates.push(msg.to_vec());
        }
        self.actions(out)?;
        if msg.get(18) == Some(&5) {
            for u in &self.rr_updates {
                out.extend_from_slice(u);
            }
            out.extend_from_slice(&keepalive());
        }
        Ok(())
    }

    fn finish_if_done(&self, r: &mut Reaction) {
        if r.finished.is_none() && self.nothing_left() {
            r.finished = Some(Ok(()));
        }
    }

    /// The first message of a connection, taken as the SUT's OPEN (§3.2/3.3).
    pub fn handle_open(&mut self, open: &[u8]) -> Reaction {
        self.note_message(open);
        let r = self.open_reaction(open);
        self.save_status();
        r
    }

    fn open_reaction(&mut self, open: &[u8]) -> Reaction {
        let mut r = Reaction::default();
        if open.get(18) != Some(&1) {
            r.finished = Some(Err(format!(
                "first message of the connection is not an OPEN\nreceived:\n{}",
                wire_text::describe(open)
            )));
            return r;
        }
        match open_reply(open, &self.options) {
            Ok(reply) => r.write.extend_from_slice(&reply),
            Err(e) => {
                r.finished = Some(Err(format!(
                    "{e}\nreceived:\n{}",
                    wire_text::describe(open)
                )));
                return r;
            }
        }
        r.write.extend_from_slice(&keepalive());
        if self.options.send_unknown_message {
            r.write.extend_from_slice(&message(255, &[]));
        }
        if self.options.inspect_open_message {
            if self.nothing_left() {
                r.finished = Some(Ok(()));
                return r;
            }
            if let Err(e) = self.consume(open, &mut r.write) {
                r.finished = Some(Err(e));
            }
            self.finish_if_done(&mut r);
            return r;
        }
        if let Err(e) = self.actions(&mut r.write) {
            r.finished = Some(Err(e));
            return r;
        }
        if self.options.send_default_route {
            r.write.extend_from_slice(&default_route_update());
        }
        r
    }

    /// A message received in the MESSAGE state (§3.4).
    pub fn handle_message(&mut self, msg: &[u8]) -> Reaction {
        self.note_message(msg);
        let r = self.message_reaction(msg);
        self.save_status();
        r
    }

    fn message_reaction(&mut self, msg: &[u8]) -> Reaction {
        let mut r = Reaction {
            write: keepalive(),
            finished: None,
        };
        let t = msg.get(18).copied().unwrap_or(0);
        if t == 4 {
            // KEEPALIVE: accepted, consumes nothing.
        } else if self.nothing_left() {
            if !(t == 2 && is_end_of_rib(msg)) {
                r.finished = Some(Err(self.failure(
                    format!(
                        "extra {} (length {}) after every expectation",
                        wire_text::type_name(t),
                        msg.len()
                    ),
                    msg,
                )));
            }
        } else if let Err(e) = self.consume(msg, &mut r.write) {
            r.finished = Some(Err(e));
        }
        self.finish_if_done(&mut r);
        r
    }
}

/// One accepted connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    opened: bool,
}

/// Split the next complete message off `buf`. Err on an impossible length.
fn next_message(buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, String> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let len = u16::from_be_bytes([buf[16], buf[17]]) as usize;
    if len < HEADER_LEN {
        return Err(format!(
            "invalid BGP length {len} in header {}",
            to_hex(&buf[..HEADER_LEN])
        ));
    }
    if buf.len() < len {
        return Ok(None);
    }
    let rest = buf.split_off(len);
    Ok(Some(std::mem::replace(buf, rest)))
}

/// Serve connections on `listener` until the test succeeds or fails. On the
/// first accepted connection, `connected_marker` (if any) is created so the
/// runner can tell "never connected" from "stuck".
pub fn serve(
    listener: TcpListener,
    state: &mut PeerState,
    connected_marker: Option<PathBuf>,
) -> Result<(), String> {
    let mut conns: Vec<Conn> = Vec::new();
    let mut marker = connected_marker;
    loop {
        let mut fds = vec![libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        for c in &conns {
            fds.push(libc::pollfd {
                fd: c.stream.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // SAFETY: fds is a valid array of pollfd for the duration of the call.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("poll failed: {e}"));
        }
        let mut dead = Vec::new();
        for (i, pfd) in fds.iter().enumerate().skip(1) {
            if pfd.revents == 0 {
                continue;
            }
            let idx = i - 1;
            let conn = &mut conns[idx];
            let mut chunk = [0u8; 65536];
            let n = match conn.stream.read(&mut chunk) {
                Ok(0) | Err(_) => {
                    dead.push(idx);
                    continue;
                }
                Ok(n) => n,
            };
            conn.buf.extend_from_slice(&chunk[..n]);
            loop {
                let msg = match next_message(&mut conn.buf) {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => return Err(e),
                };
                let reaction = if conn.opened {
                    state.handle_message(&msg)
                } else {
                    conn.opened = true;
                    state.handle_open(&msg)
                };
                // A write error means the SUT closed: not an error by itself.
                let write_ok = conn.stream.write_all(&reaction.write).is_ok();
                match reaction.finished {
                    Some(r) => return r,
                    None if !write_ok => {
                        dead.push(idx);
                        break;
                    }
                    None => {}
                }
            }
        }
        dead.sort_unstable();
        dead.dedup();
        for idx in dead.into_iter().rev() {
            conns.remove(idx);
            // A connection ending while nothing remains expected is a success.
            if state.nothing_left() {
                return Ok(());
            }
        }
        if fds[0].revents != 0 {
            if let Ok((stream, _)) = listener.accept() {
                state.note_connection();
                if let Some(m) = marker.take() {
                    let _ = std::fs::write(m, b"connected\n");
                }
                conns.push(Conn {
                    stream,
                    buf: Vec::new(),
                    opened: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgfile::{from_hex, parse_msg};

    const SUT_OPEN: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00310104000100B4010203041402060104000100010206410400000001020206 00";

    fn open() -> Vec<u8> {
        from_hex(&SUT_OPEN.replace(' ', "")).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        from_hex(&s.replace(':', "")).unwrap()
    }

    const EOR: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000";
    const U1: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0030:02:0000001540010100400200400304010203044005040000006418010000";
    const U2: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0030:02:0000001540010100400200400304010203044005040000006418020000";

    #[test]
    fn open_echo_increments_identifier() {
        let r = open_reply(&open(), &PeerOptions::default()).unwrap();
        let mut expected = open();
        expected[27] = 5;
        assert_eq!(r, expected);
    }

    #[test]
    fn open_echo_with_asn_and_unknown_capability() {
        let opts = PeerOptions {
            asn: Some(65000),
            send_unknown_capability: true,
            ..PeerOptions::default()
        };
        let r = open_reply(&open(), &opts).unwrap();
        let expected = hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003F0104FDE800B40102030422020601040001000102064104 0000FDE8 02020600 020C420A6C6F72656D697073756D".replace(' ', "").as_str());
        assert_eq!(to_hex(&r), to_hex(&expected));
        assert!(open_reply(&[0xFF; 20], &opts).is_err());
    }

    #[test]
    fn any_order_inside_group_and_groups_in_order() {
        let text = format!("1:raw:{U1}\n1:raw:{EOR}\n2:raw:{U2}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        assert!(s.handle_open(&open()).finished.is_none());
        assert!(s.handle_message(&keepalive()).finished.is_none());
        assert!(s.handle_message(&hex(EOR)).finished.is_none());
        let r = s.handle_message(&hex(U1));
        assert_eq!(&r.write, &keepalive());
        assert!(r.finished.is_none());
        assert_eq!(s.handle_message(&hex(U2)).finished, Some(Ok(())));
    }

    #[test]
    fn group_order_enforced_and_report_decoded() {
        let text = format!("1:raw:{U1}\n2:raw:{U2}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        s.handle_open(&open());
        let Some(Err(report)) = s.handle_message(&hex(U2)).finished else {
            panic!("expected failure");
        };
        assert!(report.starts_with("unexpected UPDATE (length 48) while expecting group A1"));
        assert!(report.contains("announce 2.0.0.0/24"), "{report}");
        assert!(report.contains("announce 1.0.0.0/24"), "{report}");
    }

    #[test]
    fn duplicate_lines_need_two_messages() {
        let text = format!("1:raw:{U1}\n1:raw:{U1}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        s.handle_open(&open());
        assert!(s.handle_message(&hex(U1)).finished.is_none());
        assert_eq!(s.handle_message(&hex(U1)).finished, Some(Ok(())));
    }

    #[test]
    fn notification_after_open_then_success_on_keepalive() {
        let mut s = PeerState::new(
            parse_msg("A1:notification:Closing Session because\n").unwrap(),
            PidSource::None,
        );
        let r = s.handle_open(&open());
        assert!(r.finished.is_none());
        let mut expected = open_reply(&open(), &PeerOptions::default()).unwrap();
        expected.extend(keepalive());
        expected.extend(cease_notification("closing session because"));
        assert_eq!(r.write, expected);
        assert_eq!(s.handle_message(&keepalive()).finished, Some(Ok(())));
    }

    #[test]
    fn extra_message_fails_but_eor_accepted() {
        let mut s = PeerState::new(parse_msg("A1:notification:x\n").unwrap(), PidSource::None);
        s.handle_open(&open());
        assert_eq!(s.handle_message(&hex(EOR)).finished, Some(Ok(())));
        let mut s = PeerState::new(parse_msg("A1:notification:x\n").unwrap(), PidSource::None);
        s.handle_open(&open());
        assert!(matches!(s.handle_message(&hex(U1)).finished, Some(Err(_))));
    }

    #[test]
    fn signal_without_pid_fails() {
        let text = format!("1:raw:{U1}\n2:signal:SIGUSR1\n3:raw:{U2}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        s.handle_open(&open());
        let r = s.handle_message(&hex(U1));
        assert!(matches!(r.finished, Some(Err(e)) if e.contains("pid unknown")));
    }

    #[test]
    fn signal_delivered_to_pid() {
        // Deliver SIGUSR2 to ourselves with SIG_IGN installed, so nothing happens.
        unsafe { libc::signal(libc::SIGUSR2, libc::SIG_IGN) };
        let text = format!("1:raw:{U1}\n2:signal:SIGUSR2\n3:raw:{U2}\n");
        let pid = std::process::id() as i32;
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::Pid(pid));
        s.handle_open(&open());
        assert!(s.handle_message(&hex(U1)).finished.is_none());
        assert_eq!(s.signals_sent, vec!["SIGUSR2".to_string()]);
        assert_eq!(s.handle_message(&hex(U2)).finished, Some(Ok(())));
    }

    #[test]
    fn route_refresh_echoes_updates() {
        let rr = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010001";
        let text = format!("1:raw:{U1}\n1:raw:{EOR}\n2:raw:{rr}\n3:raw:{U2}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        s.handle_open(&open());
        s.handle_message(&hex(U1));
        s.handle_message(&hex(EOR));
        let r = s.handle_message(&hex(rr));
        let mut expected = keepalive();
        expected.extend(hex(U1));
        expected.extend(keepalive());
        assert_eq!(r.write, expected);
    }

    #[test]
    fn inspect_open_and_default_route() {
        let text = format!(
            "option:open:inspect-open-message\noption:open:send-unknown-message\n1:raw:{}\n2:raw:{U1}\n",
            SUT_OPEN.replace(' ', "")
        );
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        let r = s.handle_open(&open());
        assert!(r.finished.is_none());
        assert!(r.write.ends_with(&message(255, &[])));
        assert_eq!(s.handle_message(&hex(U1)).finished, Some(Ok(())));

        let text = format!("option:update:send-default-route\n1:raw:{U1}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        let r = s.handle_open(&open());
        assert!(r.write.ends_with(&default_route_update()));
        assert_eq!(default_route_update().len(), 0x31);
    }

    #[test]
    fn status_summary() {
        let text = format!("1:raw:{U1}\n1:raw:{EOR}\n2:raw:{U2}\n");
        let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
        s.note_connection();
        s.handle_open(&open());
        s.handle_message(&hex(U1));
        assert_eq!(
            s.status(),
            "1 connection(s), 2 message(s) received (last: UPDATE length 48), \
             waiting for group A1 (1 left, 1 more groups)"
        );
    }

    #[test]
    fn tcp_peer_end_to_end() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let text = format!("1:raw:{U1}\n");
        let handle = std::thread::spawn(move || {
            let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
            serve(listener, &mut s, None)
        });
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(&open()).unwrap();
        let mut reply = vec![0u8; open().len() + 19];
        c.read_exact(&mut reply).unwrap();
        let mut expected = open();
        expected[27] += 1;
        expected.extend(keepalive());
        assert_eq!(reply, expected);
        c.write_all(&hex(U1)).unwrap();
        assert_eq!(handle.join().unwrap(), Ok(()));
    }

    #[test]
    fn tcp_peer_reports_wrong_update() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let text = format!("1:raw:{U1}\n");
        let handle = std::thread::spawn(move || {
            let mut s = PeerState::new(parse_msg(&text).unwrap(), PidSource::None);
            serve(listener, &mut s, None)
        });
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(&open()).unwrap();
        c.write_all(&hex(U2)).unwrap();
        let r = handle.join().unwrap();
        assert!(matches!(r, Err(e) if e.contains("2.0.0.0/24")));
    }
}
