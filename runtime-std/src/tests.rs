//! The core loop driven through its channel with fake messages: no sockets, no
//! signals, no clock asserts.

use super::*;
use oxbgp_core::io::Control;
use oxbgp_core::record::Recorder;
use std::sync::Mutex;

/// A recording sink the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn settings() -> Settings {
    let mut s = Settings::default();
    // No listener: these tests must not touch the network.
    s.tcp_bind.clear();
    s
}

#[test]
fn a_shutdown_signal_through_the_channel_ends_the_loop_with_status_0() {
    let rt = Runtime::new(Config::default(), settings(), None, None).unwrap();
    let tx = rt.sender();
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(rt.run().unwrap(), 0);
}

#[test]
fn every_input_fed_to_the_core_is_recorded_and_replays() {
    let sink = Shared::default();
    let rt = Runtime::new(
        Config::default(),
        settings(),
        None,
        Some((Recorder::new(), Box::new(sink.clone()))),
    )
    .unwrap();
    let tx = rt.sender();
    // Messages for unknown connections/processes are dropped, not fed.
    tx.send(Msg::Input(Input::Received {
        conn: ConnId(42),
        data: Bytes::from_static(b"x"),
    }))
    .unwrap();
    tx.send(Msg::Input(Input::Control(Control::Command(
        "show neighbor".into(),
    ))))
    .unwrap();
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(rt.run().unwrap(), 0);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let rec = oxbgp_core::record::parse(&text).unwrap();
    let inputs: Vec<Input> = rec.inputs.iter().map(|(_, i, _)| i.clone()).collect();
    assert_eq!(
        inputs,
        vec![
            Input::Control(Control::Command("show neighbor".into())),
            Input::Control(Control::Shutdown),
        ],
        "{text}"
    );
    assert!(rec.inputs[0].0 <= rec.inputs[1].0);
    // The recording replays to the same exit.
    let out = oxbgp_core::record::replay_to_string(rec);
    assert!(out.contains("{\"Exit\":{\"code\":0}}"), "{out}");
}

#[test]
fn a_reload_signal_without_a_reloader_changes_nothing() {
    let sink = Shared::default();
    let rt = Runtime::new(
        Config::default(),
        settings(),
        None,
        Some((Recorder::new(), Box::new(sink.clone()))),
    )
    .unwrap();
    let tx = rt.sender();
    tx.send(Msg::Signal(libc::SIGUSR1)).unwrap();
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(rt.run().unwrap(), 0);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(!text.contains("Reload"), "{text}");
}

#[test]
fn a_reload_signal_feeds_the_reloaded_config() {
    let sink = Shared::default();
    let reloader: Reloader = Box::new(|| Ok(Config::default()));
    let rt = Runtime::new(
        Config::default(),
        settings(),
        Some(reloader),
        Some((Recorder::new(), Box::new(sink.clone()))),
    )
    .unwrap();
    let tx = rt.sender();
    tx.send(Msg::Signal(libc::SIGUSR1)).unwrap();
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(rt.run().unwrap(), 0);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let rec = oxbgp_core::record::parse(&text).unwrap();
    assert!(
        matches!(rec.inputs[0].1, Input::Control(Control::Reload(_))),
        "{text}"
    );
}

#[test]
fn an_accepted_connection_is_numbered_from_the_incoming_base_and_its_bytes_follow() {
    // A real loopback pair (no listener of ours): hand the accepted end in as a
    // listener thread would.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (server, remote) = l.accept().unwrap();
    let sink = Shared::default();
    let sink2 = sink.clone();
    // The runtime is not Send (the reloader and sink need not be): build it on
    // the thread that runs it.
    let (txtx, txrx) = mpsc::channel();
    let h = std::thread::spawn(move || {
        let rt = Runtime::new(
            Config::default(),
            settings(),
            None,
            Some((Recorder::new(), Box::new(sink2))),
        )
        .unwrap();
        txtx.send(rt.sender()).unwrap();
        rt.run()
    });
    let tx = txrx.recv().unwrap();
    tx.send(Msg::Accepted(server, remote)).unwrap();
    // No neighbor is configured: the core refuses the connection (closes it);
    // reading until EOF proves the close reached the socket.
    let _ = client.write_all(b"hello");
    let mut buf = Vec::new();
    // (Closed reaching the core races with our SIGTERM below: not asserted.)
    assert!(std::io::Read::read_to_end(&mut client, &mut buf).is_ok());
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(h.join().unwrap().unwrap(), 0);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let rec = oxbgp_core::record::parse(&text).unwrap();
    match &rec.inputs[0].1 {
        Input::Connected {
            conn, remote: r, ..
        } => {
            assert_eq!(*conn, ConnId(ConnId::INCOMING_BASE));
            assert_eq!(*r, remote);
        }
        other => panic!("{other:?} in {text}"),
    }
}

#[test]
fn transmits_to_a_peer_that_never_reads_do_not_block_the_core_loop() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (server, remote) = l.accept().unwrap();
    let mut rt = Runtime::new(Config::default(), settings(), None, None).unwrap();
    rt.on_msg(Msg::Accepted(server, remote));
    let id = ConnId(ConnId::INCOMING_BASE);
    assert!(matches!(rt.conns.get(&id), Some(ConnState::Up(_, false))));
    // 64 MiB, far beyond the socket buffers: with a blocking write on this
    // thread the test would hang here.
    let chunk = Bytes::from(vec![0u8; 1 << 20]);
    for _ in 0..64 {
        rt.execute(Output::Transmit {
            conn: id,
            data: chunk.clone(),
        });
    }
    rt.execute(Output::Close { conn: id });
    assert!(matches!(rt.conns.get(&id), Some(ConnState::Up(_, true))));
    // Dropping the connection wakes the writer stuck on the full socket; the
    // core hears Closed with the reason mio gives for a close it asked for.
    rt.drop_conn(id, "closed".into());
    assert_eq!(
        rt.inputs.pop_back(),
        Some(Input::Closed {
            conn: id,
            reason: "closed".into()
        })
    );
    drop(client);
}

#[test]
fn run_ahead_bytes_are_released_once_fed_or_dropped_as_stale() {
    let rt = Runtime::new(Config::default(), settings(), None, None).unwrap();
    let gate = rt.gate.clone();
    let tx = rt.sender();
    // As two reader threads would: charge, then send.
    gate.charge(10, None);
    tx.send(Msg::Read {
        input: Input::Received {
            conn: ConnId(42),
            data: Bytes::from_static(b"0123456789"),
        },
        bytes: 10,
    })
    .unwrap();
    gate.charge(5, None);
    tx.send(Msg::Read {
        input: Input::Control(Control::Command("show neighbor".into())),
        bytes: 5,
    })
    .unwrap();
    tx.send(Msg::Signal(libc::SIGTERM)).unwrap();
    assert_eq!(rt.run().unwrap(), 0);
    assert_eq!(gate.in_flight(), 0);
}

/// A runtime with peer reads paused and one accepted connection; the
/// client end of it.
fn paused_runtime_with_a_peer() -> (Runtime, TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (server, remote) = l.accept().unwrap();
    let mut rt = Runtime::new(Config::default(), settings(), None, None).unwrap();
    rt.gate.set_paused(true);
    rt.on_msg(Msg::Accepted(server, remote));
    (rt, client)
}

/// The first message on the runtime's channel that `want` accepts; the 30 s
/// limit only detects a hang (`what` never happened).
fn wait_for(rt: &Runtime, what: &str, want: impl Fn(&Msg) -> bool) -> Msg {
    loop {
        match rt.rx.recv_timeout(Duration::from_secs(30)) {
            Ok(m) if want(&m) => return m,
            Ok(_) => {}
            Err(e) => panic!("{what}: {e:?}"),
        }
    }
}

#[test]
fn a_reader_held_by_a_pause_leaves_when_the_core_drops_its_connection() {
    let (mut rt, mut client) = paused_runtime_with_a_peer();
    let id = ConnId(ConnId::INCOMING_BASE);
    client.write_all(b"hello").unwrap();
    rt.drop_conn(id, "closed".into());
    // The reader reports its end; without a wake-up from the close it would
    // wait on the pause forever.
    wait_for(
        &rt,
        "the paused reader never left",
        |m| matches!(m, Msg::ReadClosed(c, _) if *c == id),
    );
}

#[test]
fn a_process_far_behind_pauses_peer_reads_until_its_pipe_is_gone() {
    let mut rt = Runtime::new(Config::default(), settings(), None, None).unwrap();
    let id = ProcId(7);
    // A process that never reads its input.
    rt.execute(Output::Spawn {
        process: id,
        name: "sleeper".into(),
        argv: vec!["sleep".into(), "60".into()],
        cwd: None,
        env: Vec::new(),
    });
    assert!(rt.processes.contains_key(&id), "sleep did not start");
    rt.check_backlog();
    assert!(!rt.backlog.paused());
    // One write larger than the high mark: the stdin writer is stuck in it.
    rt.execute(Output::WriteProcess {
        process: id,
        data: Bytes::from(vec![b'x'; flow::BACKLOG_HIGH + 1]),
    });
    rt.check_backlog();
    assert!(rt.backlog.paused());
    assert!(!rt.gate.peer_may_read(&mut rt.gate.reader_turn()));
    // The process dies: its queue will never be written, it no longer holds
    // the peers back (as mio counts a broken pipe).
    if let Some(p) = rt.processes.get_mut(&id) {
        p.signal(libc::SIGKILL);
        let _ = p.child.wait();
    }
    let closed = wait_for(
        &rt,
        "the stdin writer never reported the broken pipe",
        |m| matches!(m, Msg::ProcStdinClosed(_)),
    );
    rt.on_msg(closed);
    rt.check_backlog();
    assert!(!rt.backlog.paused());
    assert!(rt.gate.peer_may_read(&mut rt.gate.reader_turn()));
}

#[test]
fn a_dropped_runtime_closes_its_connections_even_with_reads_paused() {
    let (rt, mut client) = paused_runtime_with_a_peer();
    drop(rt);
    // The reader and writer threads hold the socket too: without the
    // shutdown the peer would never see the end (the limit detects a hang).
    client
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = Vec::new();
    assert!(std::io::Read::read_to_end(&mut client, &mut buf).is_ok());
}
