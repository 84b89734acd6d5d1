//! The replayer: executes one section of a `.cmds` file in place of a helper
//! program (FORMAT.md §7.3). Reads the SUT's output on stdin through its own
//! buffered line reader (with timeouts via `poll(2)`), writes API commands on
//! stdout.

use crate::cmds::{Cond, Rule, Step};
use std::io::Write;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// Result of reading one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadResult {
    Line(String),
    Eof,
    Timeout,
}

/// A byte source with an optional timeout per read.
pub trait Source {
    /// Read some bytes. `Ok(None)` = the timeout passed with no data,
    /// `Ok(Some(0))` = end of input.
    fn read_some(
        &mut self,
        buf: &mut [u8],
        timeout: Option<Duration>,
    ) -> std::io::Result<Option<usize>>;
}

/// A raw file descriptor (stdin), polled for timeouts.
pub struct FdSource(pub RawFd);

impl Source for FdSource {
    fn read_some(
        &mut self,
        buf: &mut [u8],
        timeout: Option<Duration>,
    ) -> std::io::Result<Option<usize>> {
        loop {
            let mut pfd = libc::pollfd {
                fd: self.0,
                events: libc::POLLIN,
                revents: 0,
            };
            let ms: libc::c_int = match timeout {
                None => -1,
                Some(t) => t.as_millis().min(i32::MAX as u128) as libc::c_int,
            };
            // SAFETY: one valid pollfd.
            let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
            if rc < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if rc == 0 {
                return Ok(None);
            }
            // SAFETY: buf is valid for buf.len() bytes.
            let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            return Ok(Some(n as usize));
        }
    }
}

/// Unbuffered writer on a raw file descriptor (stdout): every `write_all`
/// of a step is handed to the kernel as-is, so a `batch` is one write(2)
/// (up to partial writes of very large batches).
pub struct FdWriter(pub RawFd);

impl Write for FdWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        loop {
            // SAFETY: buf is valid for buf.len() bytes.
            let n = unsafe { libc::write(self.0, buf.as_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Buffered line reader over a [`Source`].
pub struct LineReader<S> {
    src: S,
    buf: Vec<u8>,
    eof: bool,
}

impl<S: Source> LineReader<S> {
    pub fn new(src: S) -> Self {
        LineReader {
            src,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// Next line (without its LF/CR), waiting until `deadline` if given.
    pub fn read_line(&mut self, deadline: Option<Instant>) -> ReadResult {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let rest = self.buf.split_off(pos + 1);
                let mut line = std::mem::replace(&mut self.buf, rest);
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return ReadResult::Line(String::from_utf8_lossy(&line).into_owned());
            }
            if self.eof {
                if self.buf.is_empty() {
                    return ReadResult::Eof;
                }
                let line = std::mem::take(&mut self.buf);
                return ReadResult::Line(String::from_utf8_lossy(&line).into_owned());
            }
            let timeout = match deadline {
                None => None,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return ReadResult::Timeout;
                    }
                    Some(d - now)
                }
            };
            let mut chunk = [0u8; 8192];
            match self.src.read_some(&mut chunk, timeout) {
                Ok(None) => return ReadResult::Timeout,
                Ok(Some(0)) | Err(_) => self.eof = true,
                Ok(Some(n)) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// How a step sequence ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Next,
    Break,
    Exit(i32),
}

/// Outcome of an acknowledgement wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckWait {
    Success,
    Failure,
    /// The SUT announced its shutdown: exit 0 now.
    Shutdown,
}

/// Classify one line as an API answer (§7.3 `wait-ack`).
pub fn answer_of(line: &str) -> Option<&'static str> {
    let t = line.trim();
    let word = match t {
        "done" | "error" | "shutdown" => t.to_string(),
        _ if t.starts_with('{') => {
            let v: serde_json::Value = serde_json::from_str(t).ok()?;
            v.get("answer")?.as_str()?.to_string()
        }
        _ => return None,
    };
    match word.as_str() {
        "done" => Some("done"),
        "error" => Some("error"),
        "shutdown" => Some("shutdown"),
        _ => None,
    }
}

/// The replay engine; `W` receives the commands (stdout in production).
pub struct Replayer<S, W> {
    pub reader: LineReader<S>,
    pub out: W,
    /// Returns false when the parent (the SUT) is gone.
    pub parent_alive: Box<dyn Fn() -> bool>,
    /// Sleeps are performed through this (tests skip them).
    pub sleeper: Box<dyn Fn(Duration)>,
}

impl<S: Source, W: Write> Replayer<S, W> {
    pub fn new(src: S, out: W) -> Self {
        // SAFETY: getppid never fails.
        let ppid = unsafe { libc::getppid() };
        Replayer {
            reader: LineReader::new(src),
            out,
            parent_alive: Box::new(move || unsafe { libc::getppid() } == ppid),
            sleeper: Box::new(std::thread::sleep),
        }
    }

    fn write(&mut self, text: &str) -> Flow {
        // One write + flush (§7.3); a failure means the SUT is gone.
        if self.out.write_all(text.as_bytes()).is_err() || self.out.flush().is_err() {
            return Flow::Exit(0);
        }
        Flow::Continue
    }

    /// Wait for `count` acknowledgements within `timeout` seconds.
    pub fn wait_ack(&mut self, count: u32, timeout: f64) -> AckWait {
        let deadline = Instant::now() + Duration::from_secs_f64(timeout);
        let mut seen = 0;
        while seen < count {
            match self.reader.read_line(Some(deadline)) {
                ReadResult::Line(l) => match answer_of(&l) {
                    Some("done") => seen += 1,
                    Some("error") => return AckWait::Failure,
                    Some("shutdown") => return AckWait::Shutdown,
                    _ => {}
                },
                ReadResult::Eof | ReadResult::Timeout => return AckWait::Failure,
            }
        }
        AckWait::Success
    }

    fn substitute(text: &str, line: Option<&str>) -> String {
        match line {
            Some(l) => text.replace("{line}", l),
            None => text.to_string(),
        }
    }

    /// Run steps; `line` is the current line inside a rule.
    pub fn run(&mut self, steps: &[Step], line: Option<&str>) -> Flow {
        for step in steps {
            let flow = match step {
                Step::Sleep(s) => {
                    (self.sleeper)(Duration::from_secs_f64(*s));
                    Flow::Continue
                }
                Step::Send(t) => {
                    let text = format!("{}\n", Self::substitute(t, line));
                    self.write(&text)
                }
                Step::Batch(sends) => {
                    let mut text = String::new();
                    for t in sends {
                        text.push_str(&Self::substitute(t, line));
                        text.push('\n');
                    }
                    self.write(&text)
                }
                Step::WaitAck {
                    count,
                    timeout,
                    or_exit,
                } => match (self.wait_ack(*count, *timeout), or_exit) {
                    (AckWait::Shutdown, _) => Flow::Exit(0),
                    (AckWait::Failure, Some(c)) => Flow::Exit(*c),
                    _ => Flow::Continue,
                },
                Step::ExpectNoAck { timeout, or_exit } => {
                    match (self.wait_ack(1, *timeout), or_exit) {
                        (AckWait::Shutdown, _) => Flow::Exit(0),
                        (AckWait::Success, Some(c)) => Flow::Exit(*c),
                        _ => Flow::Continue,
                    }
                }
                Step::WaitShutdown { timeout, pause } => {
                    let start = Instant::now();
                    let limit = Duration::from_secs_f64(*timeout);
                    loop {
                        if !(self.parent_alive)() || start.elapsed() >= limit {
                            break;
                        }
                        match self.reader.read_line(None) {
                            ReadResult::Line(l) => {
                                let l = l.trim();
                                if l.is_empty() || l.contains("shutdown") {
                                    break;
                                }
                            }
                            _ => break,
                        }
                        (self.sleeper)(Duration::from_secs_f64(*pause));
                    }
                    Flow::Continue
                }
                Step::ReadOnce(rules) => match self.read_block(rules) {
                    (Flow::Exit(c), _) => Flow::Exit(c),
                    _ => Flow::Continue,
                },
                Step::ReadLoop(rules) => loop {
                    match self.read_block(rules) {
                        (Flow::Exit(c), _) => break Flow::Exit(c),
                        (Flow::Break, _) => break Flow::Continue,
                        // Nothing more can ever arrive: leave instead of spinning.
                        (_, true) => break Flow::Continue,
                        _ => {}
                    }
                },
                Step::RepeatForever(body) => loop {
                    match self.run(body, line) {
                        Flow::Exit(c) => break Flow::Exit(c),
                        Flow::Break => break Flow::Break,
                        Flow::Next => break Flow::Next,
                        Flow::Continue => {}
                    }
                },
                Step::Exit(c) => Flow::Exit(*c),
                Step::Next => Flow::Next,
                Step::Break => Flow::Break,
                Step::RequireJson => match line {
                    Some(l) if serde_json::from_str::<serde_json::Value>(l).is_ok() => {
                        Flow::Continue
                    }
                    _ => Flow::Exit(1),
                },
            };
            if flow != Flow::Continue {
                return flow;
            }
        }
        Flow::Continue
    }

    /// Read one line and run the first applicable rule. Returns the rule's
    /// flow and whether the input has ended.
    fn read_block(&mut self, rules: &[Rule]) -> (Flow, bool) {
        let (line, eof) = match self.reader.read_line(None) {
            ReadResult::Line(l) => (l.trim().to_string(), false),
            _ => (String::new(), true),
        };
        let rule = rules.iter().find(|r| match &r.cond {
            Cond::Contains(t) => !eof && line.contains(t.as_str()),
            Cond::Equals(t) => !eof && line == *t,
            Cond::Empty => line.is_empty(),
            Cond::Eof => eof,
            Cond::Other => true,
        });
        match rule {
            Some(r) => (self.run(&r.body, Some(&line)), eof),
            None => (Flow::Continue, eof),
        }
    }

    /// Run a whole section; the process exit status.
    pub fn run_section(&mut self, steps: &[Step]) -> i32 {
        match self.run(steps, None) {
            Flow::Exit(c) => c,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmds::parse_cmds;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    /// Scripted input: each chunk is delivered by one read; `None` is a
    /// timeout, the end of the script is end of input.
    struct Fake(VecDeque<Option<&'static str>>);

    impl Source for Fake {
        fn read_some(
            &mut self,
            buf: &mut [u8],
            _t: Option<Duration>,
        ) -> std::io::Result<Option<usize>> {
            match self.0.pop_front() {
                None => Ok(Some(0)),
                Some(None) => Ok(None),
                Some(Some(s)) => {
                    buf[..s.len()].copy_from_slice(s.as_bytes());
                    Ok(Some(s.len()))
                }
            }
        }
    }

    #[derive(Clone, Default)]
    struct Out(Rc<RefCell<Vec<Vec<u8>>>>);

    impl Write for Out {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn replay(cmds: &str, input: Vec<Option<&'static str>>) -> (i32, Vec<String>) {
        let f = parse_cmds(cmds).unwrap();
        let out = Out::default();
        let mut r = Replayer::new(Fake(input.into()), out.clone());
        r.sleeper = Box::new(|_| {});
        r.parent_alive = Box::new(|| true);
        let code = r.run_section(&f.sections[0].steps);
        let writes = out
            .0
            .borrow()
            .iter()
            .map(|w| String::from_utf8(w.clone()).unwrap())
            .collect();
        (code, writes)
    }

    #[test]
    fn line_reader_splits_chunks() {
        let mut r = LineReader::new(Fake(
            vec![Some("ab"), Some("c\nd\r\ne"), None, Some("f")].into(),
        ));
        assert_eq!(r.read_line(None), ReadResult::Line("abc".into()));
        assert_eq!(r.read_line(None), ReadResult::Line("d".into()));
        assert_eq!(r.read_line(None), ReadResult::Timeout);
        assert_eq!(r.read_line(None), ReadResult::Line("ef".into()));
        assert_eq!(r.read_line(None), ReadResult::Eof);
    }

    #[test]
    fn batch_is_one_write_and_sends_verbatim() {
        let (code, w) = replay(
            "helper h\nbatch\nsend a  b\nsend c\nend\nsend x  y \n",
            vec![],
        );
        assert_eq!(code, 0);
        assert_eq!(w, vec!["a  b\nc\n".to_string(), "x  y \n".to_string()]);
    }

    #[test]
    fn wait_ack_counts_done_and_json_answers() {
        let (code, w) = replay(
            "helper h\nwait-ack 2 1 or-exit 3\nsend ok\n",
            vec![Some("noise\n{\"answer\": \"done\"}\n"), Some("done\n")],
        );
        assert_eq!((code, w), (0, vec!["ok\n".to_string()]));
        // timeout before the second ack
        let (code, _) = replay(
            "helper h\nwait-ack 2 1 or-exit 3\nsend ok\n",
            vec![Some("done\n"), None],
        );
        assert_eq!(code, 3);
        // error ends unsuccessfully; without or-exit it is ignored
        let (code, w) = replay("helper h\nwait-ack 1\nsend ok\n", vec![Some("error\n")]);
        assert_eq!((code, w), (0, vec!["ok\n".to_string()]));
        // shutdown exits 0 at once
        let (code, w) = replay(
            "helper h\nwait-ack 1 1 or-exit 3\nsend ok\n",
            vec![Some("shutdown\n")],
        );
        assert_eq!((code, w.len()), (0, 0));
        // end of input = failure
        let (code, _) = replay("helper h\nwait-ack 1 1 or-exit 5\n", vec![]);
        assert_eq!(code, 5);
    }

    #[test]
    fn expect_no_ack() {
        let (code, _) = replay(
            "helper h\nexpect-no-ack 1 or-exit 1\n",
            vec![Some("done\n")],
        );
        assert_eq!(code, 1);
        let (code, _) = replay("helper h\nexpect-no-ack 1 or-exit 1\n", vec![None]);
        assert_eq!(code, 0);
    }

    #[test]
    fn read_loop_rules_and_line_substitution() {
        let cmds = "helper h\nread-loop\nwhen contains skip\n  next\nwhen equals stop\n  break\n\
                    when other\n  require-json\n  send got {line}\nend\nsend after\n";
        let (code, w) = replay(cmds, vec![Some("skip me\n  {\"a\": 1}  \nstop\nnever\n")]);
        assert_eq!(code, 0);
        assert_eq!(
            w,
            vec!["got {\"a\": 1}\n".to_string(), "after\n".to_string()]
        );
        // non-JSON line with require-json exits 1
        let (code, _) = replay(cmds, vec![Some("garbage\n")]);
        assert_eq!(code, 1);
    }

    #[test]
    fn eof_and_empty_rules() {
        let cmds = "helper h\nread-once\nwhen eof\n  exit 7\nwhen empty\n  exit 8\nend\n";
        assert_eq!(replay(cmds, vec![]).0, 7);
        assert_eq!(replay(cmds, vec![Some("\n")]).0, 8);
        // a read-loop without eof rule ends at end of input
        let cmds = "helper h\nread-loop\nwhen contains x\n  next\nend\nexit 4\n";
        assert_eq!(replay(cmds, vec![Some("x\n")]).0, 4);
    }

    #[test]
    fn wait_shutdown_stops_on_shutdown_line() {
        let (code, w) = replay(
            "helper h\nwait-shutdown 100\nsend after\n",
            vec![Some("a\nb\n{\"type\": \"shutdown\"}\n")],
        );
        assert_eq!((code, w), (0, vec!["after\n".to_string()]));
    }

    #[test]
    fn repeat_forever_ends_on_exit() {
        let (code, w) = replay(
            "helper h\nrepeat-forever\nsend a\nread-once\nwhen eof\n  exit 2\nwhen other\n  next\nend\nend\n",
            vec![Some("1\n2\n")],
        );
        assert_eq!(code, 2);
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn corpus_api_api_receive() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/encoding/api-api.cmds");
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("SKIP: corpus absent");
            return;
        };
        let f = parse_cmds(&text).unwrap();
        let steps = &f.section("api-api.receive.run").unwrap().steps;
        let out = Out::default();
        let input = vec![Some(
            "{ \"type\": \"keepalive\" }\n{ \"nlri\": \"0.0.0.0/32\" }\ndone\n{ \"type\": \"shutdown\" }\n",
        )];
        let mut r = Replayer::new(Fake(input.into()), out.clone());
        r.sleeper = Box::new(|_| {});
        assert_eq!(r.run_section(steps), 1);
        assert_eq!(
            out.0.borrow()[0],
            b"announce route 6.6.6.0/24 next-hop 1.1.1.1\n".to_vec()
        );
    }
}
