//! The runner: discovers the corpus, runs encoding (FORMAT.md §4), decoding
//! (§5) and parsing (§6) tests against a SUT given as an external command, and
//! judges them. A misbehaving SUT yields a failed test, never a panic.

use crate::cmds::parse_cmds;
use crate::json_cmp;
use crate::msgfile::parse_msg;
use std::collections::BTreeSet;
use std::fmt;
use std::fs::File;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The version string the SUT must report (§4.2).
pub const TEST_VERSION: &str = "5.0.0-0+test";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Encoding,
    Decoding,
    Parsing,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "encoding" => Some(Kind::Encoding),
            "decoding" => Some(Kind::Decoding),
            "parsing" => Some(Kind::Parsing),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Encoding => "encoding",
            Kind::Decoding => "decoding",
            Kind::Parsing => "parsing",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TestCase {
    pub kind: Kind,
    /// `.ci` stem, decoding file name, or `.conf` file name.
    pub name: String,
}

/// Which command-line conventions the SUT follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SutStyle {
    Oxbgp,
    Exabgp,
}

#[derive(Debug, Clone)]
pub struct Sut {
    pub program: PathBuf,
    pub prefix_args: Vec<String>,
    pub style: SutStyle,
}

impl Sut {
    /// Resolve `--sut` (`oxbgp`, `exabgp` or a command prefix). `sut_bin`
    /// overrides the oxbgp binary location.
    pub fn resolve(spec: &str, sut_bin: Option<&Path>) -> Result<Sut, String> {
        match spec {
            "oxbgp" => {
                let program = match sut_bin {
                    Some(p) => p.to_path_buf(),
                    None => {
                        let exe = std::env::current_exe()
                            .map_err(|e| format!("cannot locate current executable: {e}"))?;
                        exe.with_file_name("oxbgp")
                    }
                };
                Ok(Sut {
                    program,
                    prefix_args: vec![],
                    style: SutStyle::Oxbgp,
                })
            }
            "exabgp" => {
                let venv = PathBuf::from("/opt/exabgp-venv/bin/exabgp");
                let program = if venv.exists() {
                    venv
                } else {
                    find_in_path("exabgp").ok_or("exabgp not found")?
                };
                Ok(Sut {
                    program,
                    prefix_args: vec![],
                    style: SutStyle::Exabgp,
                })
            }
            other => {
                let mut words = other.split_whitespace();
                let program = PathBuf::from(words.next().ok_or("empty --sut")?);
                let style = if program
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().contains("exabgp"))
                {
                    SutStyle::Exabgp
                } else {
                    SutStyle::Oxbgp
                };
                Ok(Sut {
                    program,
                    prefix_args: words.map(String::from).collect(),
                    style,
                })
            }
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.prefix_args);
        c.env("exabgp_version", TEST_VERSION);
        c
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

#[derive(Debug, Clone)]
pub struct Options {
    pub corpus: PathBuf,
    pub sut: Sut,
    /// The conformance binary itself (peer and replayer modes).
    pub harness_exe: PathBuf,
    /// Restrict to these test names (empty = all).
    pub only: Vec<String>,
    /// Restrict to these kinds (empty = all).
    pub kinds: Vec<Kind>,
    pub jobs: usize,
    /// Per-test deadline (encoding tests).
    pub timeout: Duration,
    /// Deadline of one `decode` / `validate` run.
    pub tool_timeout: Duration,
    /// Fail an encoding test early when the SUT has not connected by then.
    pub connect_timeout: Duration,
    pub verbose: bool,
    /// Scratch root: one sub-directory per test.
    pub scratch: PathBuf,
    /// Before parsing tests, check that the SUT's validator rejects a broken
    /// configuration; if it does not, no parsing test can pass (a validator
    /// that accepts everything would otherwise pass them all).
    pub parsing_sanity: bool,
    /// `oxbgp --runtime <this>` for encoding tests (None: the SUT's default).
    pub runtime: Option<String>,
}

impl Options {
    pub fn new(corpus: PathBuf, sut: Sut, harness_exe: PathBuf) -> Options {
        Options {
            corpus,
            sut,
            harness_exe,
            only: vec![],
            kinds: vec![],
            jobs: 2,
            timeout: Duration::from_secs(60),
            tool_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(20),
            verbose: false,
            scratch: std::env::temp_dir().join(format!("oxbgp-conformance-{}", std::process::id())),
            parsing_sanity: true,
            runtime: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TestResult {
    pub case: TestCase,
    pub passed: bool,
    pub secs: f64,
    /// One-line reason (empty on success).
    pub reason: String,
    /// Longer diagnostics (peer report, output tails).
    pub details: String,
}

impl TestResult {
    /// `PASS|FAIL <kind> <name> <secs>s <reason>`
    pub fn line(&self) -> String {
        let s = format!(
            "{} {} {} {:.1}s {}",
            if self.passed { "PASS" } else { "FAIL" },
            self.case.kind,
            self.case.name,
            self.secs,
            self.reason
        );
        s.trim_end().to_string()
    }
}

/// List the tests of a corpus directory (sorted).
pub fn discover(corpus: &Path) -> Result<Vec<TestCase>, String> {
    let list = |sub: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(corpus.join(sub))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    if !corpus.is_dir() {
        return Err(format!("corpus {} is not a directory", corpus.display()));
    }
    let mut cases = Vec::new();
    for f in list("encoding") {
        if let Some(stem) = f.strip_suffix(".ci") {
            cases.push(TestCase {
                kind: Kind::Encoding,
                name: stem.to_string(),
            });
        }
    }
    for f in list("decoding") {
        if !f.starts_with('.') {
            cases.push(TestCase {
                kind: Kind::Decoding,
                name: f,
            });
        }
    }
    for f in list("conf") {
        if f.ends_with(".conf") {
            cases.push(TestCase {
                kind: Kind::Parsing,
                name: f,
            });
        }
    }
    Ok(cases)
}

/// Apply `--only` / `--kind` filters.
pub fn select(cases: Vec<TestCase>, opts: &Options) -> Vec<TestCase> {
    cases
        .into_iter()
        .filter(|c| opts.kinds.is_empty() || opts.kinds.contains(&c.kind))
        .filter(|c| {
            opts.only.is_empty()
                || opts.only.iter().any(|o| {
                    *o == c.name
                        || c.name.strip_suffix(".conf") == Some(o.as_str())
                        || *o == format!("{} {}", c.kind, c.name)
                })
        })
        .collect()
}

/// Run the tests with `opts.jobs` workers, calling `report` as each ends.
/// Results are returned in test order.
pub fn run_tests(
    cases: Vec<TestCase>,
    opts: &Options,
    report: &(dyn Fn(&TestResult) + Sync),
) -> Vec<TestResult> {
    let _ = std::fs::create_dir_all(&opts.scratch);
    // Children run inside their scratch directories: every path handed to
    // them must be absolute.
    let mut owned = opts.clone();
    owned.corpus = absolute(&opts.corpus);
    owned.scratch = absolute(&opts.scratch);
    owned.harness_exe = absolute(&opts.harness_exe);
    if owned.sut.program.components().count() > 1 {
        owned.sut.program = absolute(&opts.sut.program);
    }
    let opts = &owned;
    let insane = if opts.parsing_sanity && cases.iter().any(|c| c.kind == Kind::Parsing) {
        validator_accepts_garbage(opts)
    } else {
        None
    };
    let insane = &insane;
    let queue = Arc::new(Mutex::new(
        cases.clone().into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let results: Arc<Mutex<Vec<(usize, TestResult)>>> = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            let queue = Arc::clone(&queue);
            let results = Arc::clone(&results);
            s.spawn(move || loop {
                let next = {
                    let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
                    if q.is_empty() {
                        None
                    } else {
                        Some(q.remove(0))
                    }
                };
                let Some((idx, case)) = next else { break };
                let mut r = run_one(&case, opts);
                if let (Kind::Parsing, true, Some(why)) = (case.kind, r.passed, insane) {
                    r.passed = false;
                    r.reason = why.clone();
                }
                report(&r);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((idx, r));
            });
        }
    });
    let mut v = Arc::try_unwrap(results)
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .unwrap_or_else(|a| a.lock().unwrap_or_else(|p| p.into_inner()).clone());
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, r)| r).collect()
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

/// Run one test.
pub fn run_one(case: &TestCase, opts: &Options) -> TestResult {
    let start = Instant::now();
    let dir = opts
        .scratch
        .join(format!("{}-{}", case.kind, case.name.replace('/', "_")));
    let _ = std::fs::remove_dir_all(&dir);
    let outcome = match std::fs::create_dir_all(dir.join("run")) {
        Err(e) => Err((format!("cannot create scratch dir: {e}"), String::new())),
        Ok(()) => match case.kind {
            Kind::Encoding => run_encoding(&case.name, opts, &dir),
            Kind::Decoding => run_decoding(&case.name, opts, &dir),
            Kind::Parsing => run_parsing(&case.name, opts, &dir),
        },
    };
    let (passed, reason, details) = match outcome {
        Ok(()) => (true, String::new(), String::new()),
        Err((r, d)) => (false, r, d),
    };
    TestResult {
        case: case.clone(),
        passed,
        secs: start.elapsed().as_secs_f64(),
        reason,
        details,
    }
}

type Outcome = Result<(), (String, String)>;

fn fail<T>(reason: impl Into<String>) -> Result<T, (String, String)> {
    Err((reason.into(), String::new()))
}

/// Last `n` lines of a file, for diagnostics.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(n);
    lines[from..].join("\n")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn write_executable(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Spawn `cmd` in its own process group (so helpers it starts can be
/// killed together), output into files in `dir`.
fn spawn_group(mut cmd: Command, dir: &Path, tag: &str) -> Result<Child, String> {
    let out = File::create(dir.join(format!("{tag}.out"))).map_err(|e| e.to_string())?;
    let err = File::create(dir.join(format!("{tag}.err"))).map_err(|e| e.to_string())?;
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: setpgid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| format!("cannot start {tag} ({:?}): {e}", cmd.get_program()))
}

/// SIGTERM then SIGKILL a process group, and reap `child`.
fn kill_group(child: &mut Child) {
    let pgid = child.id() as i32;
    // SAFETY: plain killpg on the group we created for this child.
    unsafe { libc::killpg(pgid, libc::SIGTERM) };
    let limit = Instant::now() + Duration::from_secs(2);
    while Instant::now() < limit {
        if matches!(child.try_wait(), Ok(Some(_))) {
            // the leader is gone; give the others a moment
            std::thread::sleep(Duration::from_millis(50));
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let _ = child.wait();
}

/// Run a short-lived SUT command with a deadline.
fn run_bounded(cmd: Command, dir: &Path, timeout: Duration) -> Result<ExitStatus, String> {
    let mut child = spawn_group(cmd, dir, "sut")?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                kill_group(&mut child);
                return Ok(st);
            }
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                return Err(format!("timeout after {}s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill_group(&mut child);
                return Err(format!("wait failed: {e}"));
            }
        }
    }
}

fn sut_tails(dir: &Path) -> String {
    format!(
        "--- SUT stdout (tail)\n{}\n--- SUT stderr (tail)\n{}\n",
        tail(&dir.join("sut.out"), 30),
        tail(&dir.join("sut.err"), 30)
    )
}

// ---------------------------------------------------------------- encoding

fn run_encoding(name: &str, opts: &Options, dir: &Path) -> Outcome {
    let enc = opts.corpus.join("encoding");
    let ci = std::fs::read_to_string(enc.join(format!("{name}.ci")))
        .or_else(|e| fail(format!("cannot read {name}.ci: {e}")))?;
    let confs: Vec<String> = ci
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect();
    if confs.is_empty() {
        return fail(format!("{name}.ci lists no configuration"));
    }
    let msg_path = enc.join(format!("{name}.msg"));
    let msg_text = std::fs::read_to_string(&msg_path)
        .or_else(|e| fail(format!("cannot read {name}.msg: {e}")))?;
    let msg = parse_msg(&msg_text).or_else(|e| fail(format!("{name}.msg: {e}")))?;

    // Scratch directory: configurations + one replayer script per helper.
    let mut conf_paths = Vec::new();
    for c in &confs {
        let target = dir.join(c);
        std::fs::copy(opts.corpus.join("conf").join(c), &target)
            .or_else(|e| fail(format!("cannot copy {c}: {e}")))?;
        conf_paths.push(target);
    }
    let cmds_path = enc.join(format!("{name}.cmds"));
    if cmds_path.exists() {
        let text = std::fs::read_to_string(&cmds_path)
            .or_else(|e| fail(format!("cannot read {name}.cmds: {e}")))?;
        let cmds = parse_cmds(&text).or_else(|e| fail(format!("{name}.cmds: {e}")))?;
        let abs_cmds = cmds_path.canonicalize().unwrap_or(cmds_path.clone());
        for s in &cmds.sections {
            let script = format!(
                "#!/bin/sh\nexec {} replay {} {}\n",
                shell_quote(&opts.harness_exe.to_string_lossy()),
                shell_quote(&abs_cmds.to_string_lossy()),
                shell_quote(&s.helper)
            );
            write_executable(&dir.join("run").join(&s.helper), &script)
                .or_else(|e| fail(format!("cannot write helper script: {e}")))?;
        }
    }

    // The runner binds the listening socket itself and hands it to the peer:
    // the port is known, unique among running tests, and race-free.
    let bind = if msg.options.bind_ipv6 {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let listener = TcpListener::bind(bind).or_else(|e| fail(format!("cannot bind {bind}: {e}")))?;
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .or_else(|e| fail(format!("no local address: {e}")))?;
    let fd = listener.as_raw_fd();
    let pid_file = dir.join("sut.pid");
    let connected = dir.join("peer.connected");

    let mut peer_cmd = Command::new(&opts.harness_exe);
    peer_cmd
        .arg("peer")
        .arg("--msg")
        .arg(&msg_path)
        .arg("--listen-fd")
        .arg(fd.to_string())
        .arg("--pid-file")
        .arg(&pid_file)
        .arg("--connected-file")
        .arg(&connected)
        .arg("--status-file")
        .arg(dir.join("peer.status"));
    // SAFETY: fcntl is async-signal-safe; it only lets the listener survive exec.
    unsafe {
        peer_cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut peer = spawn_group(peer_cmd, dir, "peer").or_else(fail)?;
    drop(listener);
    std::thread::sleep(Duration::from_millis(20));

    let mut cmd = opts.sut.command();
    if opts.sut.style == SutStyle::Exabgp {
        cmd.arg("server");
    }
    if let (SutStyle::Oxbgp, Some(rt)) = (&opts.sut.style, &opts.runtime) {
        cmd.args(["--runtime", rt]);
    }
    cmd.args(&conf_paths)
        .env("exabgp_tcp_port", port.to_string())
        .env("exabgp_tcp_bind", "")
        .env(
            "exabgp_tcp_connections",
            msg.options.tcp_connections.to_string(),
        )
        .env("exabgp_api_cli", "false")
        .env("exabgp_debug_rotate", "true")
        .env("exabgp_debug_configuration", "true");
    let mut sut = match spawn_group(cmd, dir, "sut") {
        Ok(c) => c,
        Err(e) => {
            kill_group(&mut peer);
            return fail(e);
        }
    };
    // Written atomically: the peer reads it when a signal action fires.
    let tmp = dir.join("sut.pid.tmp");
    if std::fs::write(&tmp, format!("{}\n", sut.id())).is_ok() {
        let _ = std::fs::rename(&tmp, &pid_file);
    }

    let start = Instant::now();
    let grace = Duration::from_secs(3);
    let mut peer_status: Option<ExitStatus> = None;
    let mut sut_status: Option<ExitStatus> = None;
    let mut sut_exit_at: Option<Instant> = None;
    let verdict: Option<String> = loop {
        if peer_status.is_none() {
            peer_status = peer.try_wait().ok().flatten();
        }
        if sut_status.is_none() {
            sut_status = sut.try_wait().ok().flatten();
            if sut_status.is_some() {
                sut_exit_at = Some(Instant::now());
            }
        }
        let elapsed = start.elapsed();
        match (peer_status, sut_status) {
            (Some(_), Some(_)) => break None,
            (Some(p), None) if !p.success() => break None,
            (None, Some(s)) if sut_exit_at.is_some_and(|t| t.elapsed() >= grace) => {
                break Some(format!(
                    "SUT exited ({s}) before the peer received everything"
                ))
            }
            _ => {}
        }
        if elapsed >= opts.timeout {
            break Some(match (peer_status, sut_status) {
                (Some(_), None) => format!(
                    "peer satisfied but the SUT did not exit within {}s",
                    opts.timeout.as_secs()
                ),
                _ => format!("timeout after {}s", opts.timeout.as_secs()),
            });
        }
        if peer_status.is_none() && elapsed >= opts.connect_timeout && !connected.exists() {
            break Some(format!(
                "SUT never connected to the peer within {}s",
                opts.connect_timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    if peer_status.is_none() {
        kill_group(&mut peer);
    }
    kill_group(&mut sut);

    let peer_out = std::fs::read(dir.join("peer.out"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let details = format!(
        "--- peer report\n{}\n--- peer stderr\n{}\n{}",
        peer_out.trim_end(),
        tail(&dir.join("peer.err"), 20),
        sut_tails(dir)
    );
    if let Some(v) = verdict {
        // A peer failure report is more precise than a timeout.
        let reason = match peer_status {
            Some(p) if !p.success() => first_line(&peer_out).unwrap_or(v),
            _ => match std::fs::read_to_string(dir.join("peer.status")) {
                Ok(st) if peer_status.is_none() => format!("{v}; peer: {}", st.trim()),
                _ => v,
            },
        };
        return Err((reason, details));
    }
    match peer_status {
        Some(p) if p.success() && peer_out.contains("successful") => Ok(()),
        Some(p) => Err((
            first_line(&peer_out)
                .or_else(|| {
                    first_line(&tail(&dir.join("peer.err"), 5))
                        .map(|e| format!("peer exited with {p}: {e}"))
                })
                .unwrap_or_else(|| format!("peer exited with {p}")),
            details,
        )),
        None => Err(("peer did not finish".into(), details)),
    }
}

fn first_line(s: &str) -> Option<String> {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(String::from)
}

// ---------------------------------------------------------------- decoding

fn run_decoding(name: &str, opts: &Options, dir: &Path) -> Outcome {
    let text = std::fs::read_to_string(opts.corpus.join("decoding").join(name))
        .or_else(|e| fail(format!("cannot read test: {e}")))?;
    let mut lines = text.lines();
    let (Some(head), Some(hex), Some(expected)) = (lines.next(), lines.next(), lines.next()) else {
        return fail("decoding test needs three lines");
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    let expected = json_cmp::parse(expected).or_else(|e| fail(format!("expected JSON: {e}")))?;
    let (kind, family) = match words.as_slice() {
        ["open", ..] => ("open", None),
        [k @ ("update" | "nlri"), afi, safi, ..] => (*k, Some(format!("{afi} {safi}"))),
        _ => return fail(format!("unknown decoding header {head:?}")),
    };
    let mut cmd = opts.sut.command();
    cmd.arg("decode");
    match opts.sut.style {
        SutStyle::Oxbgp => {
            if let Some(f) = &family {
                cmd.arg("--family").arg(f);
            }
            cmd.arg(format!("--{kind}"));
        }
        SutStyle::Exabgp => {
            if let Some(f) = &family {
                cmd.arg("-f").arg(f);
            }
            cmd.arg(format!("--{kind}"));
        }
    }
    cmd.arg(&hex);
    let status = run_bounded(cmd, dir, opts.tool_timeout).map_err(|e| (e, sut_tails(dir)))?;
    let stdout = std::fs::read_to_string(dir.join("sut.out")).unwrap_or_default();
    let stderr = std::fs::read_to_string(dir.join("sut.err")).unwrap_or_default();
    if !status.success() {
        return Err((format!("decoder exited with {status}"), sut_tails(dir)));
    }
    if !stderr.trim().is_empty() {
        return Err(("decoder wrote on stderr".into(), sut_tails(dir)));
    }
    let got = json_cmp::parse(&stdout).map_err(|e| (e, sut_tails(dir)))?;
    match json_cmp::diff(&json_cmp::strip(expected), &json_cmp::strip(got), "") {
        None => Ok(()),
        Some(d) => Err((format!("JSON differs at {d}"), sut_tails(dir))),
    }
}

// ---------------------------------------------------------------- parsing

/// Relative program paths used by `run <program> ...;` statements.
pub fn referenced_programs(conf: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in conf.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line
            .split(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}')
            .filter(|w| !w.is_empty());
        while let Some(w) = words.next() {
            if w == "run" {
                if let Some(prog) = words.next() {
                    let prog = prog.trim_matches(|c| c == '"' || c == '\'');
                    if prog.contains('/') && !prog.starts_with('/') {
                        out.insert(prog.to_string());
                    }
                }
            }
        }
    }
    out
}

/// `Some(reason)` when the SUT's validator accepts an invalid configuration.
pub fn validator_accepts_garbage(opts: &Options) -> Option<String> {
    let dir = opts.scratch.join("parsing-sanity");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let conf = dir.join("invalid.conf");
    std::fs::write(&conf, "neighbor 127.0.0.1 {\n  this-is-not-a-keyword 42;\n").ok()?;
    let mut cmd = opts.sut.command();
    cmd.arg("validate");
    if opts.sut.style == SutStyle::Exabgp {
        cmd.arg("-nrv");
    }
    cmd.arg(&conf);
    match run_bounded(cmd, &dir, opts.tool_timeout) {
        Ok(st) if st.success() => {
            Some("the SUT's validator also accepts an invalid configuration".into())
        }
        _ => None,
    }
}

fn run_parsing(name: &str, opts: &Options, dir: &Path) -> Outcome {
    let src = opts.corpus.join("conf").join(name);
    let text = std::fs::read_to_string(&src).or_else(|e| fail(format!("cannot read: {e}")))?;
    let target = dir.join(name);
    std::fs::write(&target, &text).or_else(|e| fail(format!("cannot copy: {e}")))?;
    for prog in referenced_programs(&text) {
        let path = dir.join(&prog);
        if !path.starts_with(dir) || prog.contains("..") {
            continue;
        }
        write_executable(&path, "#!/bin/sh\nexit 0\n")
            .or_else(|e| fail(format!("cannot create stub {prog}: {e}")))?;
    }
    let mut cmd = opts.sut.command();
    cmd.arg("validate");
    if opts.sut.style == SutStyle::Exabgp {
        cmd.arg("-nrv");
    }
    cmd.arg(&target);
    let status = run_bounded(cmd, dir, opts.tool_timeout).map_err(|e| (e, sut_tails(dir)))?;
    if status.success() {
        Ok(())
    } else {
        Err((format!("validation exited with {status}"), sut_tails(dir)))
    }
}

// ---------------------------------------------------------------- ratchet

/// Parse `expected-failures.txt`: `<kind> <name> # reason` per line.
pub fn parse_expected_failures(text: &str) -> Result<BTreeSet<TestCase>, String> {
    let mut set = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [k, n] => {
                let kind = Kind::parse(k).ok_or(format!("line {}: unknown kind {k:?}", i + 1))?;
                set.insert(TestCase {
                    kind,
                    name: n.to_string(),
                });
            }
            _ => return Err(format!("line {}: expected `<kind> <name>`", i + 1)),
        }
    }
    Ok(set)
}

/// Render failures in the `expected-failures.txt` format.
pub fn render_expected_failures(results: &[TestResult]) -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "# Tests oxbgp is known to fail: `<kind> <name> # reason`.\n\
         # Regenerate: cargo run --release -p oxbgp-conformance -- --corpus ../shared/conformance \\\n\
         #   --jobs 2 --write-expected-failures conformance/expected-failures.txt\n",
    );
    let mut failed: Vec<&TestResult> = results.iter().filter(|r| !r.passed).collect();
    failed.sort_by(|a, b| a.case.cmp(&b.case));
    for r in failed {
        let reason: String = r.reason.replace('#', "").chars().take(150).collect();
        let _ = writeln!(s, "{} {} # {}", r.case.kind, r.case.name, reason.trim());
    }
    s
}

/// Compare results with the expected failures; the list of problems.
pub fn ratchet(results: &[TestResult], expected: &BTreeSet<TestCase>) -> Vec<String> {
    let mut problems = Vec::new();
    for r in results {
        let listed = expected.contains(&r.case);
        if !r.passed && !listed {
            problems.push(format!(
                "{} {} failed and is not in expected-failures.txt: {}",
                r.case.kind, r.case.name, r.reason
            ));
        } else if r.passed && listed {
            problems.push(format!(
                "{} {} now passes: remove it from expected-failures.txt",
                r.case.kind, r.case.name
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_statements_found() {
        let conf = "process a {\n  run ./run/api-a.run;\n  encoder json;\n}\n\
                    process b { run python3 -m exabgp healthcheck; }\n\
                    process c {\n run ./run/syslog-1.py --x; # run ./run/no\n}\n";
        let p = referenced_programs(conf);
        assert_eq!(
            p.into_iter().collect::<Vec<_>>(),
            vec![
                "./run/api-a.run".to_string(),
                "./run/syslog-1.py".to_string()
            ]
        );
    }

    #[test]
    fn expected_failures_roundtrip() {
        let r = TestResult {
            case: TestCase {
                kind: Kind::Encoding,
                name: "conf-name".into(),
            },
            passed: false,
            secs: 1.0,
            reason: "timeout # x".into(),
            details: String::new(),
        };
        let text = render_expected_failures(std::slice::from_ref(&r));
        let set = parse_expected_failures(&text).unwrap();
        assert!(set.contains(&r.case));
        assert!(ratchet(std::slice::from_ref(&r), &set).is_empty());
        let mut passing = r.clone();
        passing.passed = true;
        assert!(ratchet(&[passing], &set)[0].contains("remove it from expected-failures.txt"));
        assert_eq!(ratchet(&[r], &BTreeSet::new()).len(), 1);
        assert!(parse_expected_failures("bogus name\n").is_err());
    }

    #[test]
    fn result_line_format() {
        let r = TestResult {
            case: TestCase {
                kind: Kind::Parsing,
                name: "a.conf".into(),
            },
            passed: true,
            secs: 1.04,
            reason: String::new(),
            details: String::new(),
        };
        assert_eq!(r.line(), "PASS parsing a.conf 1.0s");
    }
}
