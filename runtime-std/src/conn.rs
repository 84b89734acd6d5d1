//! BGP connections with blocking sockets: a connector thread per outgoing attempt,
//! then a reader thread (bytes → core) and a writer thread (queue → socket) per
//! connection, so a slow peer never blocks the core loop. Log lines use the
//! crate's target so they read exactly as the mio runtime's.

use crate::flow::Gate;
use crate::Msg;
use bytes::Bytes;
use oxbgp_core::io::SocketOptions;
use oxbgp_core::{ConnId, Input};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What the core loop sends to a connection's writer thread.
pub enum WriteCmd {
    Data(Bytes),
    /// Flush what is queued, then shut the socket down.
    Close,
}

/// The core loop's handle on an established connection.
pub struct Conn {
    pub stream: TcpStream,
    pub writer: Sender<WriteCmd>,
    pub writer_thread: Option<JoinHandle<()>>,
    /// Set when the core is done with the connection: a reader waiting on
    /// the gate (a pause) leaves instead of waiting for the pause to end.
    reader_closed: Arc<AtomicBool>,
}

impl Conn {
    /// Shut the socket down and get the reader out, wherever it waits: in
    /// `read` (the shutdown wakes it) or on the gate (the flag does).
    pub fn shutdown(&self, gate: &Gate) {
        let _ = self.stream.shutdown(Shutdown::Both);
        self.reader_closed.store(true, Ordering::Release);
        gate.wake();
    }
}

/// Start the reader and writer threads of an established connection.
pub fn start(
    id: ConnId,
    stream: TcpStream,
    tx: &SyncSender<Msg>,
    gate: &Arc<Gate>,
) -> io::Result<Conn> {
    stream.set_nonblocking(false)?;
    let _ = stream.set_nodelay(true);
    let reader = stream.try_clone()?;
    let writer = stream.try_clone()?;
    let rtx = tx.clone();
    let reader_closed = Arc::new(AtomicBool::new(false));
    let (rgate, rclosed) = (gate.clone(), reader_closed.clone());
    std::thread::Builder::new()
        .name(format!("oxbgp-read-{:x}", id.0))
        .spawn(move || read_loop(id, reader, rtx, &rgate, &rclosed))?;
    let (wtx, wrx) = mpsc::channel::<WriteCmd>();
    let ftx = tx.clone();
    let writer_thread = std::thread::Builder::new()
        .name(format!("oxbgp-write-{:x}", id.0))
        .spawn(move || {
            let mut w = writer;
            for cmd in wrx {
                match cmd {
                    WriteCmd::Data(d) => {
                        if let Err(e) = w.write_all(&d) {
                            let _ = ftx.send(Msg::WriteFailed(id, e.to_string()));
                            return;
                        }
                    }
                    WriteCmd::Close => {
                        let _ = w.shutdown(Shutdown::Both);
                        let _ = ftx.send(Msg::WriterClosed(id));
                        return;
                    }
                }
            }
        })?;
    Ok(Conn {
        stream,
        writer: wtx,
        writer_thread: Some(writer_thread),
        reader_closed,
    })
}

/// Read until EOF, each read only when the gate allows it (the run-ahead
/// budget has room and peers are not paused for a backlogged process).
fn read_loop(id: ConnId, mut s: TcpStream, tx: SyncSender<Msg>, gate: &Gate, closed: &AtomicBool) {
    let mut buf = vec![0u8; 65536];
    let mut turn = gate.reader_turn();
    let reason = loop {
        gate.wait_peer(&mut turn, closed);
        match s.read(&mut buf) {
            Ok(0) => break "connection closed by peer".to_string(),
            Ok(n) => {
                let data = Bytes::copy_from_slice(&buf[..n]);
                gate.charge(n, Some(&mut turn));
                let input = Input::Received { conn: id, data };
                if tx.send(Msg::Read { input, bytes: n }).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break e.to_string(),
        }
    };
    let _ = tx.send(Msg::ReadClosed(id, reason));
}

/// Connect in a thread: socket creation with every BGP option (shared with the mio
/// runtime), then wait for the non-blocking connect, checking `cancel` so a
/// connection the core closed meanwhile is abandoned.
pub fn connect(
    id: ConnId,
    remote: SocketAddr,
    local: Option<IpAddr>,
    options: SocketOptions,
    cancel: Arc<AtomicBool>,
    tx: SyncSender<Msg>,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name(format!("oxbgp-connect-{}", id.0))
        .spawn(move || {
            let result = match oxbgp_runtime_mio::socket::connect(remote, local, &options) {
                Ok((stream, warnings)) => {
                    for w in warnings {
                        log::error!(target: "oxbgp_runtime_std", "neighbor {}: {}", remote.ip(), w);
                    }
                    wait_connected(&stream, &cancel).map(|()| stream)
                }
                Err(e) => {
                    log::debug!(target: "oxbgp_runtime_std", "connect to {remote} failed: {e}");
                    Err(e)
                }
            };
            if cancel.load(Ordering::Relaxed) {
                return;
            }
            let _ = tx.send(Msg::ConnectDone(id, result.map_err(|e| e.to_string())));
        })?;
    Ok(())
}

fn wait_connected(stream: &TcpStream, cancel: &AtomicBool) -> io::Result<()> {
    let mut pfd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        // SAFETY: one valid pollfd for a socket we own.
        let r = unsafe { libc::poll(&mut pfd, 1, 100) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r == 0 {
            continue;
        }
        // The connect finished: success iff no pending error and a peer address.
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        return stream.peer_addr().map(|_| ());
    }
}

/// Accept forever on a listener (blocking), handing each connection to the core
/// loop, which numbers it.
pub fn accept_loop(idx: usize, l: TcpListener, tx: SyncSender<Msg>) -> io::Result<()> {
    l.set_nonblocking(false)?;
    std::thread::Builder::new()
        .name(format!("oxbgp-accept-{idx}"))
        .spawn(move || loop {
            match l.accept() {
                Ok((stream, remote)) => {
                    if tx.send(Msg::Accepted(stream, remote)).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::warn!(target: "oxbgp_runtime_std", "accept failed: {e}");
                    // EMFILE and friends: do not spin.
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        })?;
    Ok(())
}
