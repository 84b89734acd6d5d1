//! API processes: spawned with stdin/stdout/stderr pipes in their own process
//! group; stdout is split into lines for the core, stderr is forwarded line by line
//! into our log tagged with the process name (never mixed with our own output),
//! and writes to stdin go through a bounded queue so a helper that never reads
//! can not stall the daemon (ExaBGP wedges there: issues #932, #1034).

use bytes::{Bytes, BytesMut};
use oxbgp_core::{Input, ProcId};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

/// Bytes we keep queued for one process before dropping output for it.
pub const MAX_QUEUED: usize = 64 * 1024 * 1024;
/// A partial line longer than this kills the process (as ExaBGP: 1 MiB).
pub const MAX_LINE: usize = 1024 * 1024;

pub struct Process {
    pub name: String,
    pub child: Child,
    pub stdin: Option<mio::unix::pipe::Sender>,
    pub stdout: Option<mio::unix::pipe::Receiver>,
    pub stderr: Option<mio::unix::pipe::Receiver>,
    out_lines: LineSplitter,
    err_lines: LineSplitter,
    /// Reused for every read from this process's pipes (sized on first use).
    read_buf: Vec<u8>,
    queue: VecDeque<Bytes>,
    /// Small writes (acks, event lines) coalesced until the next flush, so a burst
    /// of `done` answers costs one write(2), not one each.
    tail: BytesMut,
    queued: usize,
    overflow_logged: bool,
}

/// The command for an API process, as ExaBGP starts it: stdin/stdout/stderr
/// piped, `TERM=dumb`, no `exabgp_cli_pipe`, its own process group, the daemon's
/// environment plus `env`. Shared with the std runtime.
pub fn command(
    argv: &[String],
    cwd: Option<&str>,
    env: &[(String, String)],
) -> io::Result<Command> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("TERM", "dumb")
        .env_remove("exabgp_cli_pipe")
        // Own process group, as ExaBGP (setpgrp): a ^C on our terminal is ours to
        // relay, and the whole group can be signalled.
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    Ok(cmd)
}

pub fn spawn(
    name: &str,
    argv: &[String],
    cwd: Option<&str>,
    env: &[(String, String)],
) -> io::Result<Process> {
    let mut cmd = command(argv, cwd, env)?;
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take().map(mio::unix::pipe::Sender::from);
    let stdout = child.stdout.take().map(mio::unix::pipe::Receiver::from);
    let stderr = child.stderr.take().map(mio::unix::pipe::Receiver::from);
    for s in stdin.iter() {
        s.set_nonblocking(true)?;
    }
    for r in stdout.iter().chain(stderr.iter()) {
        r.set_nonblocking(true)?;
    }
    if let Some(r) = stdout.as_ref() {
        grow_pipe(r);
    }
    Ok(Process {
        name: name.to_string(),
        child,
        stdin,
        stdout,
        stderr,
        out_lines: LineSplitter::default(),
        err_lines: LineSplitter::default(),
        read_buf: Vec::new(),
        queue: VecDeque::new(),
        tail: BytesMut::new(),
        queued: 0,
        overflow_logged: false,
    })
}

/// Capacity asked for a process's stdout pipe: one turn's read budget.
/// Not Linux's 1 MiB ceiling: pipe buffers count against a per-user soft
/// limit (`/proc/sys/fs/pipe-user-pages-soft`, 64 MiB by default) past which
/// every new pipe of the user shrinks to two pages; at 256 KiB that takes 256
/// API processes, not 64.
const PIPE_SIZE: libc::c_int = READ_BUDGET as libc::c_int;

/// A feeder writing a million routes fills the default 64 KiB pipe in a
/// fraction of a millisecond: every 64 KiB it sleeps and wakes us. A bigger
/// pipe means fewer, larger reads and wake-ups. Best effort: the kernel may
/// refuse (a lower limit), and then the default stays.
fn grow_pipe(r: &mio::unix::pipe::Receiver) {
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl on a descriptor we own; F_SETPIPE_SZ only resizes the
    // pipe's buffer and fails harmlessly.
    let got = unsafe { libc::fcntl(r.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
    if got < 0 {
        log::debug!(
            "could not grow an API process pipe: {}",
            io::Error::last_os_error()
        );
    }
}

/// What reading a pipe produced.
pub struct ReadResult {
    /// Complete lines, each ended by a newline (the core's
    /// [`oxbgp_core::Input::ProcessLines`]); empty when none.
    pub text: String,
    pub eof: bool,
    pub too_long: bool,
    /// The read budget ran out before the pipe was empty: read again on the
    /// next turn (edge-triggered readiness will not say so).
    pub more: bool,
}

impl ReadResult {
    /// Nothing read: the pipe is gone.
    fn closed() -> ReadResult {
        ReadResult {
            text: String::new(),
            eof: true,
            too_long: false,
            more: false,
        }
    }

    /// The core's input for the lines read from process `process`' stdout,
    /// if any (both runtimes hand each read over this way).
    pub fn take_input(&mut self, process: ProcId) -> Option<Input> {
        lines_input(process, std::mem::take(&mut self.text))
    }

    /// The lines, trailing blanks removed (stderr goes to the log this way).
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.split_terminator('\n').map(str::trim_end)
    }
}

/// Bytes read from one process per loop turn. A feeder that writes faster
/// than we parse would otherwise be read to the end before any of its routes
/// is sent (every line held in memory at once); with a budget, reading,
/// parsing and sending UPDATEs alternate. Small bursts (the corpus's command
/// groups, FORMAT.md §8.2) still arrive in one turn.
pub const READ_BUDGET: usize = 256 * 1024;

/// Cuts a byte stream at line ends: the complete lines of each chunk are
/// handed on together (invalid UTF-8 replaced), the unfinished last line is
/// kept for the next chunk. Shared by both runtimes.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    /// Append the complete lines `chunk` ends, with their newlines, to `out`.
    /// Returns true when the unfinished line grew past [`MAX_LINE`] (it is
    /// dropped).
    pub fn feed(&mut self, chunk: &[u8], out: &mut String) -> bool {
        let rest = match memchr::memrchr(b'\n', chunk) {
            Some(last) => {
                let (lines, rest) = chunk.split_at(last + 1);
                if self.partial.is_empty() {
                    push_text(out, lines);
                } else {
                    self.partial.extend_from_slice(lines);
                    push_text(out, &self.partial);
                    self.partial.clear();
                }
                rest
            }
            None => chunk,
        };
        self.partial.extend_from_slice(rest);
        if self.partial.len() > MAX_LINE {
            self.partial.clear();
            return true;
        }
        false
    }

    /// At end of file: the unterminated last line, if any, with a newline.
    pub fn finish(&mut self, out: &mut String) {
        if !self.partial.is_empty() {
            self.partial.push(b'\n');
            push_text(out, &self.partial);
            self.partial.clear();
        }
    }
}

/// [`Input::ProcessLines`] for `text`, unless it holds no line.
pub fn lines_input(process: ProcId, text: String) -> Option<Input> {
    (!text.is_empty()).then_some(Input::ProcessLines { process, text })
}

fn push_text(out: &mut String, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(b)),
    }
}

/// Read what `pipe` holds, up to `budget` bytes, into lines.
fn read_lines(
    pipe: &mut mio::unix::pipe::Receiver,
    splitter: &mut LineSplitter,
    buf: &mut Vec<u8>,
    budget: usize,
) -> ReadResult {
    let mut res = ReadResult {
        text: String::new(),
        eof: false,
        too_long: false,
        more: false,
    };
    // As large as the pipe: one read(2) empties it (each read wakes the
    // writer; 16 KiB reads cost a wake-up per 16 KiB).
    if buf.len() < READ_BUDGET {
        buf.resize(READ_BUDGET, 0);
    }
    let mut read = 0;
    loop {
        if read >= budget {
            res.more = true;
            break;
        }
        match pipe.read(buf) {
            Ok(0) => {
                res.eof = true;
                break;
            }
            Ok(n) => {
                read += n;
                if res.text.capacity() == 0 {
                    res.text.reserve(n.max(budget.min(READ_BUDGET)));
                }
                res.too_long |= splitter.feed(&buf[..n], &mut res.text);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                res.eof = true;
                break;
            }
        }
    }
    if res.eof {
        splitter.finish(&mut res.text);
    }
    res
}

impl Process {
    /// Lines from stdout, at most `budget` bytes of them.
    pub fn read_stdout(&mut self, budget: usize) -> ReadResult {
        match self.stdout.as_mut() {
            Some(p) => read_lines(p, &mut self.out_lines, &mut self.read_buf, budget),
            None => ReadResult::closed(),
        }
    }

    pub fn read_stderr(&mut self) -> ReadResult {
        match self.stderr.as_mut() {
            Some(p) => read_lines(p, &mut self.err_lines, &mut self.read_buf, usize::MAX),
            None => ReadResult::closed(),
        }
    }

    /// Bytes waiting to be written to the process's stdin.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// Queue bytes for the process's stdin; they are written by the next
    /// [`Process::flush`] (the event loop flushes once per turn). Returns false
    /// once the pipe is broken.
    pub fn write(&mut self, data: Bytes) -> bool {
        if self.stdin.is_none() {
            return false;
        }
        if self.queued + data.len() > MAX_QUEUED {
            if !self.overflow_logged {
                log::error!(
                    "process {} does not read its input: {} bytes queued, dropping further output to it",
                    self.name,
                    self.queued
                );
                self.overflow_logged = true;
            }
            return true;
        }
        self.queued += data.len();
        if data.len() < 4096 {
            self.tail.extend_from_slice(&data);
        } else {
            self.seal_tail();
            self.queue.push_back(data);
        }
        true
    }

    fn seal_tail(&mut self) {
        if !self.tail.is_empty() {
            self.queue.push_back(self.tail.split().freeze());
        }
    }

    /// Write queued bytes until the pipe would block. False once broken.
    pub fn flush(&mut self) -> bool {
        self.seal_tail();
        let Some(stdin) = self.stdin.as_mut() else {
            return false;
        };
        while let Some(front) = self.queue.front_mut() {
            match stdin.write(front) {
                Ok(n) => {
                    self.queued -= n;
                    if n == front.len() {
                        self.queue.pop_front();
                    } else {
                        bytes::Buf::advance(front, n);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.stdin = None;
                    self.queue.clear();
                    self.tail.clear();
                    self.queued = 0;
                    return false;
                }
            }
        }
        if self.overflow_logged && self.queued == 0 {
            log::warn!("process {} reads its input again", self.name);
            self.overflow_logged = false;
        }
        true
    }

    pub fn has_pending_writes(&self) -> bool {
        !self.queue.is_empty() || !self.tail.is_empty()
    }

    pub fn signal(&self, sig: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the pid of a child we still own (not yet reaped).
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_splitter_hands_on_complete_lines_only() {
        let mut s = LineSplitter::default();
        let mut out = String::new();
        assert!(!s.feed(b"announce route 10.0.0.0/24 next", &mut out));
        assert_eq!(out, "");
        assert!(!s.feed(b"-hop self\r\nversion\nshow neigh", &mut out));
        assert_eq!(out, "announce route 10.0.0.0/24 next-hop self\r\nversion\n");
        out.clear();
        assert!(!s.feed(b"bor\n", &mut out));
        assert_eq!(out, "show neighbor\n");
        out.clear();
        assert!(!s.feed(b"shutdown", &mut out));
        s.finish(&mut out);
        assert_eq!(out, "shutdown\n");
        out.clear();
        s.finish(&mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_long_lines_are_dropped() {
        let mut s = LineSplitter::default();
        let mut out = String::new();
        s.feed(b"caf\xe9\nok\n", &mut out);
        assert_eq!(out, "caf\u{fffd}\nok\n");
        out.clear();
        let long = vec![b'x'; MAX_LINE + 1];
        assert!(s.feed(&long, &mut out));
        assert!(!s.feed(b"\nnext\n", &mut out));
        assert_eq!(out, "\nnext\n");
        let r = ReadResult {
            text: out,
            eof: false,
            too_long: false,
            more: false,
        };
        assert_eq!(r.lines().collect::<Vec<_>>(), ["", "next"]);
    }
}
