//! The default oxbgp runtime: one thread, one mio event loop (ExaBGP's select
//! model) driving the sans-IO core.
//!
//! The loop owns every file descriptor: BGP sockets, listeners, API process pipes
//! and a signal self-pipe. It turns readiness into core [`Input`]s, executes the
//! core's [`Output`]s, and sleeps until the core's next deadline.

pub mod process;
pub mod record;
pub mod signal;
pub mod socket;

use bytes::{Bytes, BytesMut};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use oxbgp_core::config::Config;
use oxbgp_core::io::{Event, ProcessSignal};
use oxbgp_core::{ConnId, Input, Instant, Output, ProcId, Settings, Speaker};
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// Reloads the configuration when a signal asks for it (the runtime reads files;
/// the core only applies the result).
pub type Reloader = Box<dyn FnMut() -> Result<Config, String>>;

const SIGNAL_TOKEN: Token = Token(0);
/// How long pending writes may take to drain once the core asked to exit.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// How long a killed process gets between SIGTERM and SIGKILL at exit.
const KILL_GRACE: Duration = Duration::from_secs(2);

enum Source {
    Conn(ConnId),
    Listener(usize),
    ProcOut(ProcId),
    ProcErr(ProcId),
    ProcIn(ProcId),
}

/// An API process with this much output waiting pauses reading from peers
/// (TCP then slows them down), so a slow reader of events loses nothing;
/// reading resumes below [`BACKLOG_LOW`].
pub const BACKLOG_HIGH: usize = 16 * 1024 * 1024;
pub const BACKLOG_LOW: usize = 4 * 1024 * 1024;
/// The longest pause: below every hold time (3 s at least, RFC 4271 §4.2),
/// so a process that never reads can not make sessions expire. After it, one
/// turn of reading, then a new pause if the process is still behind; output
/// past `process::MAX_QUEUED` is dropped (logged) as before.
pub const BACKLOG_GRACE: Duration = Duration::from_secs(2);
/// Bytes read from one peer per turn: a peer sending a whole table in one
/// burst is handled (and its events written) in slices, so the backlog check
/// between turns can pause it before a process falls far behind.
pub const CONN_READ_BUDGET: usize = 1024 * 1024;

struct Conn {
    stream: TcpStream,
    token: Token,
    connecting: bool,
    out: VecDeque<Bytes>,
    closing: bool,
    /// Listed in `Runtime::unsent`: written at the end of this turn.
    flush_queued: bool,
}

pub struct Runtime {
    poll: Poll,
    speaker: Speaker,
    origin: std::time::Instant,
    sources: HashMap<Token, Source>,
    next_token: usize,
    conns: HashMap<ConnId, Conn>,
    listeners: Vec<TcpListener>,
    next_incoming: u64,
    processes: HashMap<ProcId, (process::Process, [Token; 3])>,
    /// Processes written to since the last flush (flushed once per loop turn).
    unflushed: Vec<ProcId>,
    /// Connections the core wrote to this turn: one (vectored) write each at
    /// the end of the turn rather than one per message.
    unsent: Vec<ConnId>,
    /// Process stdouts whose read budget ran out: read again next turn.
    read_again: Vec<Token>,
    /// Since when peer reads are paused for a backlogged API process.
    reads_paused: Option<std::time::Instant>,
    /// Connections to read at the next turn (a pause ended, or a read budget
    /// ran out).
    resume_reads: Vec<ConnId>,
    signals: signal::Signals,
    inputs: VecDeque<Input>,
    exit_code: Option<i32>,
    reloader: Option<Reloader>,
    /// `oxbgp --record`: every input fed to the core (see `oxbgp_core::record`).
    record: Option<record::RecordSink>,
}

impl Runtime {
    pub fn new(
        config: Config,
        settings: Settings,
        reloader: Option<Reloader>,
    ) -> io::Result<Runtime> {
        let poll = Poll::new()?;
        let mut signals = signal::Signals::install()?;
        poll.registry()
            .register(&mut signals.receiver, SIGNAL_TOKEN, Interest::READABLE)?;
        let origin = std::time::Instant::now();
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let mut speaker = Speaker::new(config, settings, Instant::ZERO);
        speaker.set_identity(oxbgp_core::speaker::DaemonIdentity {
            pid: std::process::id(),
            // SAFETY: getppid has no preconditions and cannot fail.
            ppid: unsafe { libc::getppid() } as u32,
            host: hostname(),
            epoch_at_origin: epoch,
        });
        Ok(Runtime {
            poll,
            speaker,
            origin,
            sources: HashMap::new(),
            next_token: 1,
            conns: HashMap::new(),
            listeners: Vec::new(),
            next_incoming: ConnId::INCOMING_BASE,
            processes: HashMap::new(),
            unflushed: Vec::new(),
            unsent: Vec::new(),
            read_again: Vec::new(),
            reads_paused: None,
            resume_reads: Vec::new(),
            signals,
            inputs: VecDeque::new(),
            exit_code: None,
            reloader,
            record: None,
        })
    }

    /// Record every input fed to the core into `sink` (header written now).
    pub fn with_recording(
        mut self,
        mut r: oxbgp_core::record::Recorder,
        mut sink: Box<dyn Write>,
    ) -> io::Result<Runtime> {
        // The identity shows in API messages: set it again, known, to record it.
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
            - self.origin.elapsed().as_secs_f64();
        let identity = oxbgp_core::speaker::DaemonIdentity {
            pid: std::process::id(),
            // SAFETY: getppid has no preconditions and cannot fail.
            ppid: unsafe { libc::getppid() } as u32,
            host: hostname(),
            epoch_at_origin: epoch,
        };
        self.speaker.set_identity(identity.clone());
        sink.write_all(
            r.header(
                self.speaker.config(),
                self.speaker.settings(),
                Some(&identity),
            )
            .as_bytes(),
        )?;
        self.record = Some((r, sink));
        Ok(self)
    }

    fn now(&self) -> Instant {
        Instant::from_nanos(self.origin.elapsed().as_nanos() as u64)
    }

    fn token(&mut self, source: Source) -> Token {
        let t = Token(self.next_token);
        self.next_token += 1;
        self.sources.insert(t, source);
        t
    }

    /// Run until the core asks to exit; returns the exit code.
    pub fn run(mut self) -> io::Result<i32> {
        let mut events = Events::with_capacity(1024);
        let mut deadline = self.drain();
        loop {
            if let Some(code) = self.exit_code {
                self.finish();
                return Ok(code);
            }
            let now = self.now();
            let timeout = if !self.read_again.is_empty() || !self.resume_reads.is_empty() {
                // A process had more to read than one turn's budget, or
                // peers wait to be read after a pause.
                Some(Duration::ZERO)
            } else if deadline == Instant::NEVER {
                None
            } else {
                // Round up to the next millisecond: epoll counts in ms and an early
                // wake-up would only spin.
                let d = deadline.saturating_since(now);
                Some(d + Duration::from_micros(999))
            };
            // A pause ends by the grace period at the latest.
            let timeout = match self.reads_paused {
                Some(since) => {
                    let left = BACKLOG_GRACE.saturating_sub(since.elapsed());
                    Some(timeout.map_or(left, |t| t.min(left)))
                }
                None => timeout,
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            let again = std::mem::take(&mut self.read_again);
            let resume = std::mem::take(&mut self.resume_reads);
            for ev in events.iter() {
                self.dispatch(
                    ev.token(),
                    ev.is_readable() || ev.is_read_closed(),
                    ev.is_writable(),
                    ev.is_error(),
                );
            }
            for token in again {
                if !events.iter().any(|ev| ev.token() == token) {
                    self.dispatch(token, true, false, false);
                }
            }
            for id in resume {
                self.conn_readable(id);
            }
            if self.inputs.is_empty() {
                self.inputs.push_back(Input::Tick);
            }
            deadline = self.drain();
        }
    }

    /// Feed queued inputs to the core and execute its outputs until it is idle.
    /// Every input queued so far is handed over before the outputs are
    /// drained: lines read from a process in one cycle are then turned into
    /// UPDATEs together (the core builds UPDATEs in `poll_output`), which is
    /// how ExaBGP merges changes that cancel out (FORMAT.md §8.2).
    fn drain(&mut self) -> Instant {
        loop {
            // One clock read per batch: the inputs arrived in the same turn.
            let now = self.now();
            while let Some(input) = self.inputs.pop_front() {
                let more = !self.inputs.is_empty();
                record::input(&mut self.record, now, &input, more);
                self.speaker.handle_input(now, input);
            }
            let deadline = loop {
                match self.speaker.poll_output() {
                    Output::Timeout(t) => break t,
                    o => self.execute(o),
                }
            };
            // Before looking at the inputs: a failed write queues `Closed`.
            for id in std::mem::take(&mut self.unsent) {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.flush_queued = false;
                }
                self.flush_conn(id);
            }
            if self.inputs.is_empty() {
                // One write per process per turn, whatever the core wrote to it.
                for id in std::mem::take(&mut self.unflushed) {
                    if let Some((p, _)) = self.processes.get_mut(&id) {
                        if !p.flush() {
                            log::warn!("process {}: its input pipe is closed", p.name);
                        }
                    }
                }
                record::flush(&mut self.record);
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
            } => match socket::connect(remote, local, &options) {
                Ok((stream, warnings)) => {
                    for w in warnings {
                        log::error!("neighbor {}: {}", remote.ip(), w);
                    }
                    let mut stream = TcpStream::from_std(stream);
                    let token = self.token(Source::Conn(conn));
                    if let Err(e) = self.poll.registry().register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    ) {
                        self.inputs.push_back(Input::ConnectFailed {
                            conn,
                            reason: e.to_string(),
                        });
                        return;
                    }
                    self.conns.insert(
                        conn,
                        Conn {
                            stream,
                            token,
                            connecting: true,
                            out: VecDeque::new(),
                            closing: false,
                            flush_queued: false,
                        },
                    );
                }
                Err(e) => {
                    log::debug!("connect to {remote} failed: {e}");
                    self.inputs.push_back(Input::ConnectFailed {
                        conn,
                        reason: e.to_string(),
                    });
                }
            },
            Output::Listen { addr, options } => match socket::listen(addr, &options) {
                Ok((l, warnings)) => {
                    for w in warnings {
                        log::error!("listener {addr}: {w}");
                    }
                    let mut l = TcpListener::from_std(l);
                    let idx = self.listeners.len();
                    let token = self.token(Source::Listener(idx));
                    match self
                        .poll
                        .registry()
                        .register(&mut l, token, Interest::READABLE)
                    {
                        Ok(()) => {
                            log::info!("listening for BGP on {addr}");
                            self.listeners.push(l);
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
            },
            Output::Transmit { conn, data } => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.out.push_back(data);
                    if !c.connecting && !c.flush_queued {
                        c.flush_queued = true;
                        self.unsent.push(conn);
                    }
                }
            }
            Output::Close { conn } => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.closing = true;
                    if c.out.is_empty() || c.connecting {
                        self.drop_conn(conn, "closed".into());
                    }
                }
            }
            Output::Spawn {
                process: id,
                name,
                argv,
                cwd,
                env,
            } => match process::spawn(&name, &argv, cwd.as_deref(), &env) {
                Ok(mut p) => {
                    let pid = p.child.id();
                    let t_out = self.token(Source::ProcOut(id));
                    let t_err = self.token(Source::ProcErr(id));
                    let t_in = self.token(Source::ProcIn(id));
                    let reg = self.poll.registry();
                    if let Some(s) = p.stdout.as_mut() {
                        let _ = reg.register(s, t_out, Interest::READABLE);
                    }
                    if let Some(s) = p.stderr.as_mut() {
                        let _ = reg.register(s, t_err, Interest::READABLE);
                    }
                    if let Some(s) = p.stdin.as_mut() {
                        let _ = reg.register(s, t_in, Interest::WRITABLE);
                    }
                    log::info!("started process {name} (pid {pid})");
                    self.processes.insert(id, (p, [t_out, t_err, t_in]));
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
                if let Some((p, _)) = self.processes.get_mut(&id) {
                    if !p.write(data) {
                        log::warn!("process {}: its input pipe is closed", p.name);
                    } else if !self.unflushed.contains(&id) {
                        self.unflushed.push(id);
                    }
                }
            }
            Output::Kill {
                process: id,
                signal,
            } => {
                if let Some((p, _)) = self.processes.get_mut(&id) {
                    // What the core wrote before the signal (the `shutdown`
                    // message) must reach the process first.
                    let _ = p.flush();
                    p.signal(match signal {
                        ProcessSignal::Terminate => libc::SIGTERM,
                        ProcessSignal::Kill => libc::SIGKILL,
                    });
                }
            }
            Output::Event(Event::ReloadRequested { restart }) => {
                // The API's `reload` / `restart`: as SIGUSR1 / SIGALRM.
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

    fn dispatch(&mut self, token: Token, readable: bool, writable: bool, error: bool) {
        if token == SIGNAL_TOKEN {
            for sig in self.signals.drain() {
                self.on_signal(sig);
            }
            return;
        }
        let source = match self.sources.get(&token) {
            Some(Source::Conn(c)) => Source::Conn(*c),
            Some(Source::Listener(i)) => Source::Listener(*i),
            Some(Source::ProcOut(p)) => Source::ProcOut(*p),
            Some(Source::ProcErr(p)) => Source::ProcErr(*p),
            Some(Source::ProcIn(p)) => Source::ProcIn(*p),
            None => return,
        };
        match source {
            Source::Conn(id) => self.on_conn(id, readable, writable, error),
            Source::Listener(i) => self.on_accept(i),
            Source::ProcOut(id) => {
                let Some((p, _)) = self.processes.get_mut(&id) else {
                    return;
                };
                let mut r = p.read_stdout(process::READ_BUDGET);
                self.inputs.extend(r.take_input(id));
                if r.more {
                    self.read_again.push(token);
                }
                if r.too_long {
                    log::error!("process {}: line longer than 1 MiB, stopping it", p.name);
                    p.signal(libc::SIGTERM);
                }
                if r.eof {
                    if let Some(mut s) = p.stdout.take() {
                        let _ = self.poll.registry().deregister(&mut s);
                    }
                    self.reap();
                }
            }
            Source::ProcErr(id) => {
                let Some((p, _)) = self.processes.get_mut(&id) else {
                    return;
                };
                let r = p.read_stderr();
                for line in r.lines() {
                    log::warn!("process {}: {}", p.name, line);
                }
                if r.eof {
                    if let Some(mut s) = p.stderr.take() {
                        let _ = self.poll.registry().deregister(&mut s);
                    }
                }
            }
            Source::ProcIn(id) => {
                if let Some((p, _)) = self.processes.get_mut(&id) {
                    p.flush();
                }
            }
        }
    }

    fn on_signal(&mut self, sig: libc::c_int) {
        if sig == libc::SIGCHLD {
            return self.reap();
        }
        if let Some(input) = signal::control_input(sig, self.reloader.as_mut()) {
            self.inputs.push_back(input);
        }
    }

    /// Collect exited children and tell the core.
    fn reap(&mut self) {
        let mut gone = Vec::new();
        for (id, (p, _)) in self.processes.iter_mut() {
            if let Ok(Some(status)) = p.child.try_wait() {
                gone.push((*id, status.code()));
            }
        }
        for (id, code) in gone {
            if let Some((mut p, tokens)) = self.processes.remove(&id) {
                // Forward what is still in the pipes before reporting the exit.
                self.inputs.extend(p.read_stdout(usize::MAX).take_input(id));
                for line in p.read_stderr().lines() {
                    log::warn!("process {}: {}", p.name, line);
                }
                let reg = self.poll.registry();
                if let Some(s) = p.stdout.as_mut() {
                    let _ = reg.deregister(s);
                }
                if let Some(s) = p.stderr.as_mut() {
                    let _ = reg.deregister(s);
                }
                if let Some(s) = p.stdin.as_mut() {
                    let _ = reg.deregister(s);
                }
                for t in tokens {
                    self.sources.remove(&t);
                }
                log::info!("process {} exited ({:?})", p.name, code);
                self.inputs.push_back(Input::ProcessExited {
                    process: id,
                    status: code,
                });
            }
        }
    }

    fn on_accept(&mut self, idx: usize) {
        loop {
            let Some(l) = self.listeners.get(idx) else {
                return;
            };
            match l.accept() {
                Ok((mut stream, remote)) => {
                    let id = ConnId(self.next_incoming);
                    self.next_incoming += 1;
                    let local = stream
                        .local_addr()
                        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
                    let token = self.token(Source::Conn(id));
                    if self
                        .poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                        .is_err()
                    {
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    self.conns.insert(
                        id,
                        Conn {
                            stream,
                            token,
                            connecting: false,
                            out: VecDeque::new(),
                            closing: false,
                            flush_queued: false,
                        },
                    );
                    log::debug!("incoming connection from {remote}");
                    self.inputs.push_back(Input::Connected {
                        conn: id,
                        local,
                        remote,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    return;
                }
            }
        }
    }

    fn on_conn(&mut self, id: ConnId, readable: bool, writable: bool, error: bool) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.connecting {
            if !(writable || error || readable) {
                return;
            }
            // A non-blocking connect finished: success iff there is a peer address.
            match (c.stream.take_error(), c.stream.peer_addr()) {
                (Ok(None), Ok(remote)) => {
                    c.connecting = false;
                    let _ = c.stream.set_nodelay(true);
                    let local = c
                        .stream
                        .local_addr()
                        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
                    self.inputs.push_back(Input::Connected {
                        conn: id,
                        local,
                        remote,
                    });
                    if c.closing {
                        self.drop_conn(id, "closed".into());
                        return;
                    }
                    if !c.out.is_empty() {
                        self.flush_conn(id);
                    }
                }
                (Ok(Some(e)), _) | (Err(e), _) => {
                    self.forget_conn(id);
                    self.inputs.push_back(Input::ConnectFailed {
                        conn: id,
                        reason: e.to_string(),
                    });
                    return;
                }
                (Ok(None), Err(e)) => {
                    if e.kind() == io::ErrorKind::NotConnected && !error {
                        return; // spurious wake-up, still connecting
                    }
                    self.forget_conn(id);
                    self.inputs.push_back(Input::ConnectFailed {
                        conn: id,
                        reason: e.to_string(),
                    });
                    return;
                }
            }
        }
        if writable {
            self.flush_conn(id);
        }
        if readable {
            self.conn_readable(id);
        }
    }

    /// Read from a peer, unless reads are paused for a backlogged process
    /// (the end of the pause reads every peer: readiness is edge-triggered).
    fn conn_readable(&mut self, id: ConnId) {
        if self.reads_paused.is_none() {
            self.read_conn(id);
        }
    }

    /// Pause reading from peers while an API process has a large backlog
    /// of output (so events are delayed, not dropped), resume when it has
    /// caught up or after [`BACKLOG_GRACE`]. ExaBGP blocks on such a write,
    /// which stalls everything, sessions included.
    fn check_backlog(&mut self) {
        let (worst, name) = self
            .processes
            .values()
            .map(|(p, _)| (p.queued(), p.name.as_str()))
            .max_by_key(|(q, _)| *q)
            .unwrap_or((0, ""));
        match self.reads_paused {
            None if worst > BACKLOG_HIGH => {
                log::warn!(
                    "process {name} is {worst} bytes behind: pausing reads from peers until it catches up"
                );
                self.reads_paused = Some(std::time::Instant::now());
            }
            Some(since) if worst < BACKLOG_LOW || since.elapsed() >= BACKLOG_GRACE => {
                if worst >= BACKLOG_LOW {
                    log::warn!(
                        "process {name} is still {worst} bytes behind after {:?}: reading from peers for a turn",
                        BACKLOG_GRACE
                    );
                }
                self.reads_paused = None;
                let established = self.conns.iter().filter(|(_, c)| !c.connecting);
                self.resume_reads.extend(established.map(|(id, _)| *id));
            }
            _ => {}
        }
    }

    fn read_conn(&mut self, id: ConnId) {
        let mut closed: Option<String> = None;
        {
            let Some(c) = self.conns.get_mut(&id) else {
                return;
            };
            let mut buf = BytesMut::with_capacity(65536);
            let mut budget = CONN_READ_BUDGET;
            loop {
                if budget == 0 {
                    // More may be waiting: read again next turn, after the
                    // core has handled this much (and the backlog check ran).
                    self.resume_reads.push(id);
                    break;
                }
                let start = buf.len();
                buf.resize(start + 16384, 0);
                match c.stream.read(&mut buf[start..]) {
                    Ok(0) => {
                        buf.truncate(start);
                        closed = Some("connection closed by peer".into());
                        break;
                    }
                    Ok(n) => {
                        budget = budget.saturating_sub(n);
                        buf.truncate(start + n);
                        if buf.len() >= 262_144 {
                            self.inputs.push_back(Input::Received {
                                conn: id,
                                data: buf.split().freeze(),
                            });
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        buf.truncate(start);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(start),
                    Err(e) => {
                        buf.truncate(start);
                        closed = Some(e.to_string());
                        break;
                    }
                }
            }
            if !buf.is_empty() {
                self.inputs.push_back(Input::Received {
                    conn: id,
                    data: buf.freeze(),
                });
            }
        }
        if let Some(reason) = closed {
            self.forget_conn(id);
            self.inputs.push_back(Input::Closed { conn: id, reason });
        }
    }

    fn flush_conn(&mut self, id: ConnId) {
        let mut failed = None;
        {
            let Some(c) = self.conns.get_mut(&id) else {
                return;
            };
            // Every queued message in one writev(2) (up to 64 at a time):
            // a turn's UPDATEs cost one system call and one wake-up of the
            // peer, not one per 4 KiB message.
            while !c.out.is_empty() {
                let mut slices = [io::IoSlice::new(&[]); 64];
                let k = c.out.len().min(slices.len());
                for (slot, b) in slices.iter_mut().zip(c.out.iter()) {
                    *slot = io::IoSlice::new(b);
                }
                match c.stream.write_vectored(&slices[..k]) {
                    Ok(0) => break,
                    Ok(mut n) => {
                        while n > 0 {
                            let Some(front) = c.out.front_mut() else {
                                break;
                            };
                            if n >= front.len() {
                                n -= front.len();
                                c.out.pop_front();
                            } else {
                                bytes::Buf::advance(front, n);
                                n = 0;
                            }
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        failed = Some(e.to_string());
                        break;
                    }
                }
            }
            if failed.is_none() && c.out.is_empty() && c.closing {
                failed = Some("closed".into());
                let _ = c.stream.shutdown(std::net::Shutdown::Both);
            }
        }
        if let Some(reason) = failed {
            self.drop_conn(id, reason);
        }
    }

    fn forget_conn(&mut self, id: ConnId) {
        if let Some(mut c) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut c.stream);
            self.sources.remove(&c.token);
        }
    }

    fn drop_conn(&mut self, id: ConnId, reason: String) {
        if self.conns.contains_key(&id) {
            self.forget_conn(id);
            self.inputs.push_back(Input::Closed { conn: id, reason });
        }
    }

    /// Exit path: flush pending socket writes (bounded), then stop children.
    fn finish(&mut self) {
        let end = std::time::Instant::now() + EXIT_GRACE;
        let mut events = Events::with_capacity(64);
        while std::time::Instant::now() < end
            && self
                .conns
                .values()
                .any(|c| !c.out.is_empty() && !c.connecting)
        {
            let ids: Vec<ConnId> = self.conns.keys().copied().collect();
            for id in ids {
                self.flush_conn(id);
            }
            let _ = self.poll.poll(&mut events, Some(Duration::from_millis(10)));
        }
        for c in self.conns.values() {
            let _ = c.stream.shutdown(std::net::Shutdown::Both);
        }
        // No zombie left behind: SIGTERM, a grace period, then SIGKILL.
        for (p, _) in self.processes.values_mut() {
            let _ = p.flush();
            p.signal(libc::SIGTERM);
        }
        let end = std::time::Instant::now() + KILL_GRACE;
        while std::time::Instant::now() < end
            && self
                .processes
                .values_mut()
                .any(|(p, _)| matches!(p.child.try_wait(), Ok(None)))
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        for (p, _) in self.processes.values_mut() {
            if matches!(p.child.try_wait(), Ok(None)) {
                p.signal(libc::SIGKILL);
                let _ = p.child.wait();
            }
        }
    }
}

/// The core logs its own transitions; events are repeated here only at trace
/// level (for runtime debugging), except warnings, which must be seen.
fn log_event(e: &Event) {
    match e {
        Event::Warning { message } => log::warn!("{message}"),
        other => log::trace!("event: {other:?}"),
    }
}

/// The host name for the JSON envelope (`socket.gethostname()` in ExaBGP).
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

/// Convenience: build and run a runtime.
pub fn run(config: Config, settings: Settings, reloader: Option<Reloader>) -> io::Result<i32> {
    Runtime::new(config, settings, reloader)?.run()
}

/// [`run`], recording every input fed to the core into `record` when given.
pub fn run_recorded(
    config: Config,
    settings: Settings,
    reloader: Option<Reloader>,
    record: Option<record::RecordSink>,
) -> io::Result<i32> {
    let rt = Runtime::new(config, settings, reloader)?;
    match record {
        Some((recorder, sink)) => rt.with_recording(recorder, sink)?.run(),
        None => rt.run(),
    }
}
