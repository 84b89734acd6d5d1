//! Embedding the oxbgp core in your own loop: a third "runtime" in ~150 lines,
//! with nothing but blocking `std::net` and one thread.
//!
//! The core never does I/O. You hand it [`Input`]s with the current time, then
//! drain [`Output`]s until `Output::Timeout(deadline)`; that deadline is how long
//! you may block before calling back with `Input::Tick`.
//!
//! This toy drives ONE outgoing BGP session (the first `Connect` the core asks
//! for; no listener, no API processes, no socket options) and prints what the
//! core reports:
//!
//! ```sh
//! exabgp_tcp_port=1790 exabgp_tcp_bind= \
//!     cargo run -p oxbgp-core --example embed -- examples/loopback-pair/a.conf
//! ```

use oxbgp_core::io::Event;
use oxbgp_core::{ConnId, Input, Instant, Output, Settings, Speaker};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: embed CONFIG")?;
    let config = oxbgp_core::config::load(std::path::Path::new(&path))?;
    let settings = Settings::from_lookup(|k| std::env::var(k).ok())?;

    // Our clock: the core only ever sees nanoseconds since this origin.
    let origin = std::time::Instant::now();
    let now = || Instant::from_nanos(origin.elapsed().as_nanos() as u64);

    let mut speaker = Speaker::new(config, settings, now());
    let mut conn: Option<(ConnId, TcpStream)> = None;
    let mut inputs: Vec<Input> = Vec::new();
    let mut buf = vec![0u8; 65536];

    loop {
        // 1. Feed what happened since last time (nothing yet on the first turn).
        for input in inputs.drain(..) {
            speaker.handle_input(now(), input);
        }
        // 2. Drain the outputs; execute each one; stop at the deadline.
        let deadline = loop {
            match speaker.poll_output() {
                Output::Timeout(t) => break t,
                Output::Connect {
                    conn: id, remote, ..
                } => {
                    if conn.is_some() {
                        // One session at a time in this toy: refuse politely.
                        inputs.push(Input::ConnectFailed {
                            conn: id,
                            reason: "busy".into(),
                        });
                        continue;
                    }
                    match TcpStream::connect_timeout(&remote, Duration::from_secs(5)) {
                        Ok(s) => {
                            let local = s.local_addr()?;
                            println!("connected {local} -> {remote}");
                            conn = Some((id, s));
                            inputs.push(Input::Connected {
                                conn: id,
                                local,
                                remote,
                            });
                        }
                        Err(e) => inputs.push(Input::ConnectFailed {
                            conn: id,
                            reason: e.to_string(),
                        }),
                    }
                }
                Output::Transmit { conn: id, data } => {
                    if let Some((c, s)) = conn.as_mut() {
                        if *c == id {
                            // Blocking write: fine for a toy, a real runtime queues.
                            if let Err(e) = s.write_all(&data) {
                                inputs.push(Input::Closed {
                                    conn: id,
                                    reason: e.to_string(),
                                });
                            }
                        }
                    }
                }
                Output::Close { conn: id } => {
                    if conn.as_ref().is_some_and(|(c, _)| *c == id) {
                        if let Some((_, s)) = conn.take() {
                            let _ = s.shutdown(Shutdown::Both);
                        }
                        inputs.push(Input::Closed {
                            conn: id,
                            reason: "closed".into(),
                        });
                    }
                }
                Output::Spawn { process, .. } => inputs.push(Input::ProcessSpawnFailed {
                    process,
                    reason: "this embedding runs no processes".into(),
                }),
                Output::Event(Event::SessionUp { peer }) => println!("session with {peer} is up"),
                Output::Event(Event::SessionDown { peer, reason }) => {
                    println!("session with {peer} is down: {reason}")
                }
                Output::Event(e) => println!("event: {e:?}"),
                Output::Exit { code } => std::process::exit(code),
                // Listen, WriteProcess, Kill: not in this toy.
                other => println!("ignored: {other:?}"),
            }
        };
        if !inputs.is_empty() {
            continue; // the core asked for things whose results it must hear now
        }
        // 3. Block until the peer sends something or the deadline passes.
        let wait = deadline
            .saturating_since(now())
            .max(Duration::from_millis(1));
        match conn.as_mut() {
            Some((id, s)) => {
                s.set_read_timeout(Some(wait.min(Duration::from_secs(3600))))?;
                match s.read(&mut buf) {
                    Ok(0) => {
                        inputs.push(Input::Closed {
                            conn: *id,
                            reason: "connection closed by peer".into(),
                        });
                        conn = None;
                    }
                    Ok(n) => inputs.push(Input::Received {
                        conn: *id,
                        data: bytes::Bytes::copy_from_slice(&buf[..n]),
                    }),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        inputs.push(Input::Tick)
                    }
                    Err(e) => {
                        inputs.push(Input::Closed {
                            conn: *id,
                            reason: e.to_string(),
                        });
                        conn = None;
                    }
                }
            }
            None => {
                std::thread::sleep(wait.min(Duration::from_secs(3600)));
                inputs.push(Input::Tick);
            }
        }
    }
}
