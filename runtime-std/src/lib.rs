//! Blocking std-thread runtime for the oxbgp core: the proof that the core is
//! really sans-IO (a second, completely different runtime drives it unchanged).
//!
//! Threads do the blocking I/O and feed one bounded `std::sync::mpsc` channel:
//! an acceptor per listener, a connector per outgoing attempt, a reader and a
//! writer per connection, stdout/stderr readers and a stdin writer per API
//! process, and a signal thread (self-pipe). The core runs on the calling thread:
//! `recv_timeout(deadline - now)`, turn messages into [`Input`]s, feed them,
//! execute the [`Output`]s. Writes go to per-connection/per-process queues so the
//! core never blocks on a slow peer or a helper that does not read.
//! Readers wait on a shared [`flow::Gate`]: they run at most
//! [`flow::RUN_AHEAD`] bytes ahead of the core, and peer readers pause while an
//! API process is far behind on its input, as the mio runtime does.
//!
//! Observable behaviour (logs, exit codes, socket options, exit flush, no zombie)
//! is the mio runtime's.

mod conn;
pub mod flow;
pub mod process;
pub mod signal;

use bytes::Bytes;
use oxbgp_core::config::Config;
use oxbgp_core::io::{Event, ProcessSignal};
use oxbgp_core::speaker::DaemonIdentity;
use oxbgp_core::{ConnId, Input, Instant, Output, ProcId, Settings, Speaker};
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// Name of this runtime, as selected by `oxbgp --runtime`.
pub const NAME: &str = "std";

/// Reloads the configuration when a signal asks for it (same type as the mio
/// runtime's, so the CLI passes the same closure to either).
pub type Reloader = Box<dyn FnMut() -> Result<Config, String>>;

/// Where a recording goes (`oxbgp --record FILE`): shared with the mio runtime.
pub use oxbgp_runtime_mio::record::RecordSink;

/// How long pending writes may take to drain once the core asked to exit.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// How long a killed process gets between SIGTERM and SIGKILL at exit.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long a process exit waits for its last stdout lines (a grandchild may
/// keep the pipe open forever; mio reports the exit with what is readable).
const EXIT_LINES_GRACE: Duration = Duration::from_millis(200);
/// Messages the threads may queue before they block (the core loop itself
/// never sends). Readers are held back in bytes by the [`flow::Gate`] first.
const CHANNEL_DEPTH: usize = 4096;

/// What the I/O threads tell the core loop.
pub enum Msg {
    /// A ready-made input (a control command, ...).
    Input(Input),
    /// An input a reader thread charged to the run-ahead budget (`bytes`):
    /// released once the core has it.
    Read {
        input: Input,
        bytes: usize,
    },
    /// A signal number from the signal thread.
    Signal(libc::c_int),
    /// A listener accepted a connection; the core loop numbers it.
    Accepted(TcpStream, SocketAddr),
    /// An outgoing connect finished.
    ConnectDone(ConnId, Result<TcpStream, String>),
    /// The reader saw EOF or an error.
    ReadClosed(ConnId, String),
    /// The writer could not write.
    WriteFailed(ConnId, String),
    /// The writer flushed and shut the socket down after `Output::Close`.
    WriterClosed(ConnId),
    ProcStdoutEof(ProcId),
    ProcStdinClosed(ProcId),
    ProcLineTooLong(ProcId),
    /// A process's input queue fell below [`flow::BACKLOG_LOW`] (wakes the
    /// core loop to end a pause of peer reads).
    ProcDrained(ProcId),
}

enum ConnState {
    /// A connector thread is at work; transmits wait here.
    Connecting {
        cancel: Arc<AtomicBool>,
        pending: Vec<Bytes>,
        closing: bool,
    },
    /// Established; `bool`: the core asked to close it (a reader EOF racing the
    /// writer's shutdown is then still reported as "closed", as mio does).
    Up(conn::Conn, bool),
}

pub struct Runtime {
    speaker: Speaker,
    origin: std::time::Instant,
    tx: SyncSender<Msg>,
    rx: Receiver<Msg>,
    // BTreeMaps: iteration order (exit flush, reaping) must not depend on hashing.
    conns: BTreeMap<ConnId, ConnState>,
    listeners: usize,
    next_incoming: u64,
    processes: BTreeMap<ProcId, process::Process>,
    /// Processes that exited, waiting for their stdout reader to finish.
    exiting: BTreeMap<ProcId, (Option<i32>, std::time::Instant)>,
    inputs: VecDeque<Input>,
    /// Run-ahead bytes of the queued `inputs`, released once they are fed.
    charged: usize,
    gate: Arc<flow::Gate>,
    backlog: flow::Backlog,
    exit_code: Option<i32>,
    reloader: Option<Reloader>,
    record: Option<RecordSink>,
}

impl Runtime {
    /// A runtime whose threads report on a fresh channel. Signals are not
    /// installed (see [`Runtime::install_signals`]) so tests can drive it alone.
    pub fn new(
        config: Config,
        settings: Settings,
        reloader: Option<Reloader>,
        record: Option<RecordSink>,
    ) -> io::Result<Runtime> {
        let (tx, rx) = mpsc::sync_channel(CHANNEL_DEPTH);
        let origin = std::time::Instant::now();
        let identity = DaemonIdentity {
            pid: std::process::id(),
            // SAFETY: getppid has no preconditions and cannot fail.
            ppid: unsafe { libc::getppid() } as u32,
            host: hostname(),
            epoch_at_origin: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
        };
        let record = match record {
            Some((mut r, mut sink)) => {
                sink.write_all(r.header(&config, &settings, Some(&identity)).as_bytes())?;
                Some((r, sink))
            }
            None => None,
        };
        let mut speaker = Speaker::new(config, settings, Instant::ZERO);
        speaker.set_identity(identity);
        Ok(Runtime {
            speaker,
            origin,
            tx,
            rx,
            conns: BTreeMap::new(),
            listeners: 0,
            next_incoming: ConnId::INCOMING_BASE,
            processes: BTreeMap::new(),
            exiting: BTreeMap::new(),
            inputs: VecDeque::new(),
            charged: 0,
            gate: Arc::default(),
            backlog: flow::Backlog::default(),
            exit_code: None,
            reloader,
            record,
        })
    }

    /// A sender for the runtime's channel (threads, tests, embedders).
    pub fn sender(&self) -> SyncSender<Msg> {
        self.tx.clone()
    }

    /// Route SIGTERM/INT/HUP/USR1/USR2/ALRM/CHLD to this runtime.
    pub fn install_signals(&self) -> io::Result<()> {
        let tx = self.tx.clone();
        signal::install(move |sig| tx.send(Msg::Signal(sig)).is_ok())
    }

    fn now(&self) -> Instant {
        Instant::from_nanos(self.origin.elapsed().as_nanos() as u64)
    }

    /// Run until the core asks to exit; returns the exit code.
    pub fn run(mut self) -> io::Result<i32> {
        let mut deadline = self.drain();
        loop {
            if let Some(code) = self.exit_code {
                self.finish();
                return Ok(code);
            }
            let now = self.now();
            let mut wait = if deadline == Instant::NEVER {
                None
            } else {
                Some(deadline.saturating_since(now))
            };
            // Process exits wait for their last lines; a pause of peer reads
            // ends by its grace at the latest.
            let wake = self.exiting.values().map(|(_, t)| *t).min();
            if let Some(first) = wake.into_iter().chain(self.backlog.deadline()).min() {
                let d = first.saturating_duration_since(std::time::Instant::now());
                wait = Some(wait.map_or(d, |w| w.min(d)));
            }
            let msg = match wait {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => self.rx.recv_timeout(d),
            };
            match msg {
                Ok(m) => {
                    self.on_msg(m);
                    // Take what is already queued in one go, as one poll round;
                    // bounded, so a sustained flood can not starve the core.
                    for _ in 0..CHANNEL_DEPTH {
                        match self.rx.try_recv() {
                            Ok(m) => self.on_msg(m),
                            Err(_) => break,
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                // We hold a sender ourselves: this can not happen.
                Err(RecvTimeoutError::Disconnected) => {}
            }
            self.report_exits();
            if self.inputs.is_empty() {
                self.inputs.push_back(Input::Tick);
            }
            deadline = self.drain();
        }
    }

    /// Feed queued inputs to the core and execute its outputs until it is idle.
    /// As in the mio runtime, every input queued so far is handed over before
    /// the outputs are drained (lines read from a process in one cycle become
    /// UPDATEs together, FORMAT.md §8.2).
    fn drain(&mut self) -> Instant {
        loop {
            while let Some(input) = self.inputs.pop_front() {
                let now = self.now();
                let more = !self.inputs.is_empty();
                oxbgp_runtime_mio::record::input(&mut self.record, now, &input, more);
                self.speaker.handle_input(now, input);
            }
            // The core has what the readers read: they may read as much again.
            if self.charged > 0 {
                self.gate.release(std::mem::take(&mut self.charged));
            }
            let deadline = loop {
                match self.speaker.poll_output() {
                    Output::Timeout(t) => break t,
                    o => self.execute(o),
                }
            };
            if self.inputs.is_empty() {
                oxbgp_runtime_mio::record::flush(&mut self.record);
                self.check_backlog();
                return deadline;
            }
        }
    }

    fn execute(&mut self, out: Output) {
        match out {
            Output::Connect {
                conn,
                remote,
                local,
                options,
            } => {
                let cancel = Arc::new(AtomicBool::new(false));
                match conn::connect(
                    conn,
                    remote,
                    local,
                    options,
                    cancel.clone(),
                    self.tx.clone(),
                ) {
                    Ok(()) => {
                        self.conns.insert(
                            conn,
                            ConnState::Connecting {
                                cancel,
                                pending: Vec::new(),
                                closing: false,
                            },
                        );
                    }
                    Err(e) => self.inputs.push_back(Input::ConnectFailed {
                        conn,
                        reason: e.to_string(),
                    }),
                }
            }
            Output::Listen { addr, options } => {
                match oxbgp_runtime_mio::socket::listen(addr, &options) {
                    Ok((l, warnings)) => {
                        for w in warnings {
                            log::error!("listener {addr}: {w}");
                        }
                        let idx = self.listeners;
                        match conn::accept_loop(idx, l, self.tx.clone()) {
                            Ok(()) => {
                                self.listeners += 1;
                                log::info!("listening for BGP on {addr}");
                            }
                            Err(e) => self.inputs.push_back(Input::ListenFailed {
                                addr,
                                reason: e.to_string(),
                            }),
                        }
                    }
                    Err(e) => {
                        log::error!("could not listen on {addr}: {e}");
                        self.inputs.push_back(Input::ListenFailed {
                            addr,
                            reason: e.to_string(),
                        });
                    }
                }
            }
            Output::Transmit { conn, data } => match self.conns.get_mut(&conn) {
                Some(ConnState::Connecting { pending, .. }) => pending.push(data),
                Some(ConnState::Up(c, _)) => {
                    let _ = c.writer.send(conn::WriteCmd::Data(data));
                }
                None => {}
            },
            Output::Close { conn } => match self.conns.get_mut(&conn) {
                Some(ConnState::Connecting { cancel, .. }) => {
                    cancel.store(true, Ordering::Relaxed);
                    self.drop_conn(conn, "closed".into());
                }
                Some(ConnState::Up(c, closing)) => {
                    *closing = true;
                    // The writer flushes what is queued, shuts the socket down and
                    // reports back (WriterClosed): then the core hears Closed.
                    if c.writer.send(conn::WriteCmd::Close).is_err() {
                        self.drop_conn(conn, "closed".into());
                    }
                }
                None => {}
            },
            Output::Spawn {
                process: id,
                name,
                argv,
                cwd,
                env,
            } => match process::spawn(id, &name, &argv, cwd.as_deref(), &env, &self.tx, &self.gate)
            {
                Ok(p) => {
                    let pid = p.child.id();
                    log::info!("started process {name} (pid {pid})");
                    self.processes.insert(id, p);
                    self.inputs
                        .push_back(Input::ProcessStarted { process: id, pid });
                }
                Err(e) => {
                    log::error!("could not start process {name} ({}): {e}", argv.join(" "));
                    self.inputs.push_back(Input::ProcessSpawnFailed {
                        process: id,
                        reason: e.to_string(),
                    });
                }
            },
            Output::WriteProcess { process: id, data } => {
                if let Some(p) = self.processes.get_mut(&id) {
                    if !p.write(data) {
                        log::warn!("process {}: its input pipe is closed", p.name);
                    }
                }
            }
            Output::Kill {
                process: id,
                signal,
            } => {
                if let Some(p) = self.processes.get(&id) {
                    p.signal(match signal {
                        ProcessSignal::Terminate => libc::SIGTERM,
                        ProcessSignal::Kill => libc::SIGKILL,
                    });
                }
            }
            Output::Event(Event::ReloadRequested { restart }) => {
                // The API's `reload` / `restart`: as SIGUSR1 / SIGALRM (as mio).
                self.on_signal(if restart {
                    libc::SIGALRM
                } else {
                    libc::SIGUSR1
                });
            }
            Output::Event(e) => log_event(&e),
            Output::Exit { code } => self.exit_code = Some(code),
            Output::Timeout(_) => {}
        }
    }

    fn on_msg(&mut self, m: Msg) {
        match m {
            Msg::Input(i) => {
                self.push_input(i);
            }
            Msg::Read { input, bytes } => {
                if self.push_input(input) {
                    self.charged += bytes;
                } else {
                    self.gate.release(bytes);
                }
            }
            // Only here to wake the loop: the backlog is checked after this turn.
            Msg::ProcDrained(_) => {}
            Msg::Signal(sig) => self.on_signal(sig),
            Msg::Accepted(stream, remote) => {
                let id = ConnId(self.next_incoming);
                self.next_incoming += 1;
                let local = stream
                    .local_addr()
                    .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
                match conn::start(id, stream, &self.tx, &self.gate) {
                    Ok(c) => {
                        self.conns.insert(id, ConnState::Up(c, false));
                        log::debug!("incoming connection from {remote}");
                        self.inputs.push_back(Input::Connected {
                            conn: id,
                            local,
                            remote,
                        });
                    }
                    Err(e) => log::warn!("accept failed: {e}"),
                }
            }
            Msg::ConnectDone(id, result) => {
                let Some(ConnState::Connecting {
                    pending, closing, ..
                }) = self.conns.remove(&id)
                else {
                    return; // closed by the core meanwhile
                };
                let started = result.and_then(|stream| {
                    let remote = stream.peer_addr().map_err(|e| e.to_string())?;
                    let local = stream
                        .local_addr()
                        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
                    let c =
                        conn::start(id, stream, &self.tx, &self.gate).map_err(|e| e.to_string())?;
                    Ok((c, local, remote))
                });
                match started {
                    Ok((c, local, remote)) => {
                        for d in pending {
                            let _ = c.writer.send(conn::WriteCmd::Data(d));
                        }
                        self.inputs.push_back(Input::Connected {
                            conn: id,
                            local,
                            remote,
                        });
                        if closing {
                            let _ = c.writer.send(conn::WriteCmd::Close);
                        }
                        self.conns.insert(id, ConnState::Up(c, closing));
                    }
                    Err(reason) => {
                        self.inputs
                            .push_back(Input::ConnectFailed { conn: id, reason });
                    }
                }
            }
            Msg::ReadClosed(id, reason) | Msg::WriteFailed(id, reason) => {
                let closing = matches!(self.conns.get(&id), Some(ConnState::Up(_, true)));
                self.drop_conn(id, if closing { "closed".into() } else { reason })
            }
            Msg::WriterClosed(id) => self.drop_conn(id, "closed".into()),
            Msg::ProcStdoutEof(id) => {
                if let Some(p) = self.processes.get_mut(&id) {
                    p.stdout_done = true;
                }
                self.reap();
            }
            Msg::ProcStdinClosed(id) => {
                if let Some(p) = self.processes.get_mut(&id) {
                    p.stdin_closed();
                }
            }
            Msg::ProcLineTooLong(id) => {
                if let Some(p) = self.processes.get(&id) {
                    log::error!("process {}: line longer than 1 MiB, stopping it", p.name);
                    p.signal(libc::SIGTERM);
                }
            }
        }
    }

    /// Queue an input from a thread, unless it is stale: bytes for a connection
    /// or a line from a process we already reported gone. True if queued.
    fn push_input(&mut self, i: Input) -> bool {
        match &i {
            Input::ProcessLine { process, .. } | Input::ProcessLines { process, .. }
                if !self.processes.contains_key(process) =>
            {
                false
            }
            Input::Received { conn, .. } if !self.conns.contains_key(conn) => false,
            _ => {
                self.inputs.push_back(i);
                true
            }
        }
    }

    /// Pause reading from peers while an API process has a large backlog of
    /// output (its events are delayed, not dropped), resume when it has
    /// caught up or after the grace: the mio runtime's rule and log lines.
    fn check_backlog(&mut self) {
        let (worst, name) = self
            .processes
            .values()
            .map(|p| (p.queued(), p.name.as_str()))
            .max_by_key(|(q, _)| *q)
            .unwrap_or((0, ""));
        match self.backlog.check(worst, std::time::Instant::now()) {
            flow::Decision::Stay => {}
            flow::Decision::Pause => {
                log::warn!(
                    "process {name} is {worst} bytes behind: pausing reads from peers until it catches up"
                );
                self.gate.set_paused(true);
            }
            flow::Decision::Resume { behind } => {
                if behind {
                    log::warn!(
                        "process {name} is still {worst} bytes behind after {:?}: reading from peers for a turn",
                        flow::BACKLOG_GRACE
                    );
                }
                self.gate.set_paused(false);
            }
        }
    }

    fn on_signal(&mut self, sig: libc::c_int) {
        if sig == libc::SIGCHLD {
            return self.reap();
        }
        if let Some(input) = oxbgp_runtime_mio::signal::control_input(sig, self.reloader.as_mut()) {
            self.inputs.push_back(input);
        }
    }

    /// Collect exited children; their exit is reported once their stdout reader
    /// has delivered every line (or after a short grace).
    fn reap(&mut self) {
        let now = std::time::Instant::now();
        for (id, p) in self.processes.iter_mut() {
            if self.exiting.contains_key(id) {
                continue;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                self.exiting
                    .insert(*id, (status.code(), now + EXIT_LINES_GRACE));
            }
        }
        self.report_exits();
    }

    fn report_exits(&mut self) {
        let now = std::time::Instant::now();
        let ready: Vec<ProcId> = self
            .exiting
            .iter()
            .filter(|(id, (_, until))| {
                *until <= now || !matches!(self.processes.get(id), Some(p) if !p.stdout_done)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            let Some((code, _)) = self.exiting.remove(&id) else {
                continue;
            };
            if let Some(p) = self.processes.remove(&id) {
                log::info!("process {} exited ({:?})", p.name, code);
                self.inputs.push_back(Input::ProcessExited {
                    process: id,
                    status: code,
                });
            }
        }
    }

    fn drop_conn(&mut self, id: ConnId, reason: String) {
        if let Some(state) = self.conns.remove(&id) {
            if let ConnState::Up(c, _) = state {
                // Wakes the reader (and a writer stuck on a full socket).
                c.shutdown(&self.gate);
            }
            self.inputs.push_back(Input::Closed { conn: id, reason });
        }
    }

    /// Exit path: flush pending socket writes (bounded), then stop children.
    fn finish(&mut self) {
        // No reader waits for the core any more (the channel still bounds them).
        self.gate.stop();
        if let Some((_, sink)) = self.record.as_mut() {
            let _ = sink.flush();
        }
        let end = std::time::Instant::now() + EXIT_GRACE;
        let mut writers = Vec::new();
        for state in self.conns.values_mut() {
            match state {
                ConnState::Up(c, _) => {
                    let _ = c.writer.send(conn::WriteCmd::Close);
                    if let Some(t) = c.writer_thread.take() {
                        writers.push(t);
                    }
                }
                ConnState::Connecting { cancel, .. } => cancel.store(true, Ordering::Relaxed),
            }
        }
        while std::time::Instant::now() < end && writers.iter().any(|t| !t.is_finished()) {
            std::thread::sleep(Duration::from_millis(10));
        }
        for state in self.conns.values() {
            if let ConnState::Up(c, _) = state {
                c.shutdown(&self.gate);
            }
        }
        // Give stdin writers a moment to hand over what the core queued last.
        let end = std::time::Instant::now() + Duration::from_millis(200);
        while std::time::Instant::now() < end
            && self.processes.values().any(|p| p.has_pending_writes())
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        // No zombie left behind: SIGTERM, a grace period, then SIGKILL.
        for p in self.processes.values_mut() {
            drop(p.close_stdin());
            p.signal(libc::SIGTERM);
        }
        let end = std::time::Instant::now() + KILL_GRACE;
        while std::time::Instant::now() < end
            && self
                .processes
                .values_mut()
                .any(|p| matches!(p.child.try_wait(), Ok(None)))
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        for p in self.processes.values_mut() {
            if matches!(p.child.try_wait(), Ok(None)) {
                p.signal(libc::SIGKILL);
                let _ = p.child.wait();
            }
        }
    }
}

impl Drop for Runtime {
    /// A runtime dropped without running to its end (an embedder, a test)
    /// leaves no reader waiting on the gate for a core that is gone, and no
    /// connection held open by its threads' handles.
    fn drop(&mut self) {
        self.gate.stop();
        for state in self.conns.values() {
            if let ConnState::Up(c, _) = state {
                c.shutdown(&self.gate);
            }
        }
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it on success (truncation is handled by the NUL search).
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The core logs its own transitions; events are repeated here only at trace
/// level (for runtime debugging), except warnings, which must be seen.
fn log_event(e: &Event) {
    match e {
        Event::Warning { message } => log::warn!("{message}"),
        other => log::trace!("event: {other:?}"),
    }
}

/// Build and run a runtime (signals installed): same contract as
/// `oxbgp_runtime_mio::run`.
pub fn run(config: Config, settings: Settings, reloader: Option<Reloader>) -> io::Result<i32> {
    run_recorded(config, settings, reloader, None)
}

/// [`run`], writing every input fed to the core to `record` (see
/// `oxbgp_core::record`).
pub fn run_recorded(
    config: Config,
    settings: Settings,
    reloader: Option<Reloader>,
    record: Option<RecordSink>,
) -> io::Result<i32> {
    let rt = Runtime::new(config, settings, reloader, record)?;
    rt.install_signals()?;
    rt.run()
}

#[cfg(test)]
mod tests;
