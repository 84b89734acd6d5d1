//! API processes with blocking pipes: spawned exactly like the mio runtime does
//! (own process group, `TERM=dumb`, no `exabgp_cli_pipe`), then one thread reads
//! stdout into lines for the core, one forwards stderr lines to our log tagged
//! with the process name, and one writes stdin from a queue so a helper that
//! never reads can not stall the daemon (ExaBGP wedges there: issues #932, #1034).

use crate::flow::{Gate, BACKLOG_LOW};
use crate::Msg;
use bytes::Bytes;
use oxbgp_core::ProcId;
use oxbgp_runtime_mio::process::{lines_input, LineSplitter};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

pub use oxbgp_runtime_mio::process::{MAX_LINE, MAX_QUEUED};

pub struct Process {
    pub name: String,
    pub child: Child,
    stdin: Option<Sender<Bytes>>,
    queued: Arc<AtomicUsize>,
    overflow_logged: bool,
    writer: Option<JoinHandle<()>>,
    /// The stdout reader saw end of file (all lines are in the channel).
    pub stdout_done: bool,
}

pub fn spawn(
    id: ProcId,
    name: &str,
    argv: &[String],
    cwd: Option<&str>,
    env: &[(String, String)],
    tx: &SyncSender<Msg>,
    gate: &Arc<Gate>,
) -> io::Result<Process> {
    let mut cmd = oxbgp_runtime_mio::process::command(argv, cwd, env)?;
    let mut child = cmd.spawn()?;
    let queued = Arc::new(AtomicUsize::new(0));
    let mut stdin_tx = None;
    let mut writer = None;
    if let Some(stdin) = child.stdin.take() {
        let (wtx, wrx) = mpsc::channel();
        let q = queued.clone();
        let tx2 = tx.clone();
        writer = Some(
            std::thread::Builder::new()
                .name(format!("oxbgp-proc-in-{}", id.0))
                .spawn(move || write_stdin(id, stdin, wrx, q, tx2))?,
        );
        stdin_tx = Some(wtx);
    }
    if let Some(stdout) = child.stdout.take() {
        let tx = tx.clone();
        let gate = gate.clone();
        std::thread::Builder::new()
            .name(format!("oxbgp-proc-out-{}", id.0))
            .spawn(move || read_stdout(id, stdout, tx, &gate))?;
    }
    if let Some(stderr) = child.stderr.take() {
        let name = name.to_string();
        std::thread::Builder::new()
            .name(format!("oxbgp-proc-err-{}", id.0))
            .spawn(move || {
                let mut r = BufReader::new(stderr);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                            // Logged under the crate target, as mio logs it.
                            log::warn!(target: "oxbgp_runtime_std", "process {name}: {line}");
                        }
                    }
                }
            })?;
    }
    Ok(Process {
        name: name.to_string(),
        child,
        stdin: stdin_tx,
        queued,
        overflow_logged: false,
        writer,
        stdout_done: false,
    })
}

fn write_stdin(
    id: ProcId,
    mut stdin: std::process::ChildStdin,
    rx: Receiver<Bytes>,
    queued: Arc<AtomicUsize>,
    tx: SyncSender<Msg>,
) {
    for data in rx {
        let n = data.len();
        let r = stdin.write_all(&data);
        let before = queued.fetch_sub(n, Ordering::Relaxed);
        if r.is_err() {
            let _ = tx.send(Msg::ProcStdinClosed(id));
            return;
        }
        // Caught up enough to end a pause of peer reads: the core loop may be
        // asleep with nothing else to wake it. If the channel is full it is
        // busy and checks the backlog after that batch anyway.
        if before >= BACKLOG_LOW && before - n < BACKLOG_LOW {
            let _ = tx.try_send(Msg::ProcDrained(id));
        }
    }
}

/// Split stdout into lines (newline removed, trailing blanks trimmed, as mio).
/// Each read waits for room in the run-ahead budget: a process writing faster
/// than the core parses is read a slice at a time, as mio does.
fn read_stdout(id: ProcId, stdout: std::process::ChildStdout, tx: SyncSender<Msg>, gate: &Gate) {
    let mut r = stdout;
    let mut splitter = LineSplitter::default();
    let mut buf = vec![0u8; 16384];
    let mut text = String::new();
    let send = |input: oxbgp_core::Input| {
        let bytes = match &input {
            oxbgp_core::Input::ProcessLines { text, .. } => text.len(),
            _ => 0,
        };
        gate.charge(bytes, None);
        tx.send(Msg::Read { input, bytes }).is_ok()
    };
    loop {
        gate.wait_room();
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // Every line of one read goes in one input: the core handles
                // them in one batch, as mio does with one read (commands
                // that cancel out are merged within a read cycle, FORMAT.md §8.2).
                let too_long = splitter.feed(&buf[..n], &mut text);
                if let Some(input) = lines_input(id, std::mem::take(&mut text)) {
                    if !send(input) {
                        return;
                    }
                }
                if too_long && tx.send(Msg::ProcLineTooLong(id)).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    splitter.finish(&mut text);
    if let Some(input) = lines_input(id, text) {
        send(input);
    }
    let _ = tx.send(Msg::ProcStdoutEof(id));
}

impl Process {
    /// Queue bytes for the process's stdin. Returns false once the pipe is broken.
    pub fn write(&mut self, data: Bytes) -> bool {
        let Some(stdin) = self.stdin.as_ref() else {
            return false;
        };
        let queued = self.queued.load(Ordering::Relaxed);
        if queued + data.len() > MAX_QUEUED {
            if !self.overflow_logged {
                log::error!(
                    "process {} does not read its input: {} bytes queued, dropping further output to it",
                    self.name,
                    queued
                );
                self.overflow_logged = true;
            }
            return true;
        }
        if self.overflow_logged && queued == 0 {
            log::warn!("process {} reads its input again", self.name);
            self.overflow_logged = false;
        }
        self.queued.fetch_add(data.len(), Ordering::Relaxed);
        if stdin.send(data).is_err() {
            self.stdin = None;
            return false;
        }
        true
    }

    /// The writer thread found the pipe broken.
    pub fn stdin_closed(&mut self) {
        self.stdin = None;
    }

    /// Bytes queued for the process and not written to its pipe yet (none
    /// once the pipe is broken: they will never be, as mio counts them).
    pub fn queued(&self) -> usize {
        if self.stdin.is_none() {
            return 0;
        }
        self.queued.load(Ordering::Relaxed)
    }

    pub fn has_pending_writes(&self) -> bool {
        self.stdin.is_some() && self.queued.load(Ordering::Relaxed) > 0
    }

    /// Stop accepting writes; the writer thread ends once its queue is written.
    pub fn close_stdin(&mut self) -> Option<JoinHandle<()>> {
        self.stdin = None;
        self.writer.take()
    }

    pub fn signal(&self, sig: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the pid of a child we still own (not yet reaped).
        unsafe {
            libc::kill(pid, sig);
        }
    }
}
