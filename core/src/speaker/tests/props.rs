//! Property tests: whatever a peer sends and whenever, the speaker never
//! panics and keeps its outputs coherent (RFC 4271 §6: every error is a
//! NOTIFICATION, never a crash).

use super::harness::*;
use crate::io::{ConnId, Input, Output};
use crate::settings::Settings;
use crate::time::Instant;
use bytes::Bytes;
use quickcheck::{QuickCheck, TestResult};

fn established() -> (Driver, ConnId) {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 90);
    (d, conn)
}

#[test]
fn arbitrary_bytes_after_establishment_never_panic() {
    fn prop(chunks: Vec<Vec<u8>>, marker: bool) -> TestResult {
        let (mut d, conn) = established();
        for mut c in chunks {
            if marker && c.len() > 19 {
                // Make it look like a message often enough to reach decoders.
                c[..16].copy_from_slice(&[0xFF; 16]);
                let len = c.len().min(4096) as u16;
                c[16..18].copy_from_slice(&len.to_be_bytes());
            }
            let outs = d.receive(conn, Bytes::from(c));
            for o in &outs {
                if let Output::Transmit { data, .. } = o {
                    // Everything we send is a well-framed message.
                    assert!(data.len() >= 19 && data[..16] == [0xFF; 16]);
                }
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Vec<Vec<u8>>, bool) -> TestResult);
}

#[test]
fn arbitrary_input_sequences_never_panic() {
    fn prop(steps: Vec<(u8, u8, Vec<u8>)>) -> TestResult {
        let settings = Settings {
            tcp_attempts: 3,
            ..Settings::default()
        };
        let (mut d, _) = Driver::new(vec![neighbor()], settings);
        for (kind, n, data) in steps {
            let conn = if n % 2 == 0 {
                ConnId((n / 2) as u64 % 4 + 1)
            } else {
                ConnId(ConnId::INCOMING_BASE + (n as u64 % 3))
            };
            let input = match kind % 6 {
                0 => Input::Connected {
                    conn,
                    local: "127.0.0.1:179".parse().unwrap(),
                    remote: "127.0.0.2:40000".parse().unwrap(),
                },
                1 => Input::Received {
                    conn,
                    data: Bytes::from(data),
                },
                2 => Input::Received {
                    conn,
                    data: peer_open(65000, 90, [2, 2, 2, 2]),
                },
                3 => Input::Received {
                    conn,
                    data: keepalive(),
                },
                4 => Input::Closed {
                    conn,
                    reason: "x".into(),
                },
                _ => {
                    d.now = d.now + secs(n as u64);
                    Input::Tick
                }
            };
            d.input(input);
            assert!(d.deadline > Instant::ZERO);
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Vec<(u8, u8, Vec<u8>)>) -> TestResult);
}
