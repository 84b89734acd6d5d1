//! `oxbgp-conformance`: corpus runner (default), test peer (`peer`) and
//! helper replayer (`replay`). See FORMAT.md in the corpus.

use oxbgp_conformance::cmds::parse_cmds;
use oxbgp_conformance::msgfile::parse_msg;
use oxbgp_conformance::peer::{serve, PeerState, PidSource};
use oxbgp_conformance::replay::{FdSource, FdWriter, Replayer};
use oxbgp_conformance::runner::{self, Kind, Options, Sut};
use std::io::Write;
use std::net::TcpListener;
use std::os::fd::FromRawFd;
use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "usage:
  oxbgp-conformance --corpus DIR [--sut oxbgp|exabgp|CMD] [--sut-bin PATH] [--only NAME]...
                    [--kind encoding|decoding|parsing]... [--jobs N] [--timeout S]
                    [--tool-timeout S]
                    [--connect-timeout S] [--scratch DIR] [--list] [--verbose]
                    [--no-parsing-sanity] [--runtime mio|std]
                    [--write-expected-failures FILE] [--expected-failures FILE]
  oxbgp-conformance peer --msg FILE (--port P | --listen-fd FD) [--pid-file F | --pid N]
                    [--connected-file F] [--status-file F] [--view]
  oxbgp-conformance replay CMDS_FILE HELPER_NAME";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("peer") => peer_main(&args[1..]),
        Some("replay") => replay_main(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            0
        }
        _ => runner_main(&args),
    };
    std::process::exit(code);
}

/// Value of option `name` at `args[i]`, advancing `i`.
fn value(args: &[String], i: &mut usize, name: &str) -> Result<String, String> {
    *i += 1;
    args.get(*i)
        .cloned()
        .ok_or_else(|| format!("{name} needs a value"))
}

fn peer_main(args: &[String]) -> i32 {
    match peer_run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("peer: {e}");
            2
        }
    }
}

fn peer_run(args: &[String]) -> Result<i32, String> {
    let mut msg = None;
    let mut port: Option<u16> = None;
    let mut listen_fd: Option<i32> = None;
    let mut pid = PidSource::None;
    let mut connected = None;
    let mut status_file = None;
    let mut view = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--msg" => msg = Some(PathBuf::from(value(args, &mut i, "--msg")?)),
            "--port" => {
                port = Some(
                    value(args, &mut i, "--port")?
                        .parse()
                        .map_err(|_| "invalid --port")?,
                )
            }
            "--listen-fd" => {
                listen_fd = Some(
                    value(args, &mut i, "--listen-fd")?
                        .parse()
                        .map_err(|_| "invalid --listen-fd")?,
                )
            }
            "--pid-file" => pid = PidSource::File(value(args, &mut i, "--pid-file")?.into()),
            "--pid" => {
                pid = PidSource::Pid(
                    value(args, &mut i, "--pid")?
                        .parse()
                        .map_err(|_| "invalid --pid")?,
                )
            }
            "--connected-file" => {
                connected = Some(PathBuf::from(value(args, &mut i, "--connected-file")?))
            }
            "--status-file" => {
                status_file = Some(PathBuf::from(value(args, &mut i, "--status-file")?))
            }
            "--view" => view = true,
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
        i += 1;
    }
    let msg_path = msg.ok_or("--msg is required")?;
    let text = std::fs::read_to_string(&msg_path)
        .map_err(|e| format!("cannot read {}: {e}", msg_path.display()))?;
    let parsed = parse_msg(&text).map_err(|e| format!("{}: {e}", msg_path.display()))?;
    if view {
        println!("{:#?}", parsed);
    }
    let listener = match (listen_fd, port) {
        // SAFETY: the runner passes a listening socket it left open for us.
        (Some(fd), _) => unsafe { TcpListener::from_raw_fd(fd) },
        (None, Some(p)) => {
            let addr = if parsed.options.bind_ipv6 {
                format!("[::1]:{p}")
            } else {
                format!("127.0.0.1:{p}")
            };
            TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?
        }
        (None, None) => return Err("--port or --listen-fd is required".into()),
    };
    let mut state = PeerState::new(parsed, pid);
    state.status_file = status_file;
    let result = serve(listener, &mut state, connected);
    let mut out = std::io::stdout();
    Ok(match result {
        Ok(()) => {
            let _ = writeln!(out, "successful");
            0
        }
        Err(report) => {
            let _ = writeln!(out, "{report}");
            1
        }
    })
}

fn replay_main(args: &[String]) -> i32 {
    let [cmds_path, helper] = args else {
        eprintln!("{USAGE}");
        return 2;
    };
    let text = match std::fs::read_to_string(cmds_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("replay: cannot read {cmds_path}: {e}");
            return 2;
        }
    };
    let cmds = match parse_cmds(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("replay: {cmds_path}: {e}");
            return 2;
        }
    };
    let Some(section) = cmds.section(helper) else {
        eprintln!("replay: no section for helper {helper:?} in {cmds_path}");
        return 2;
    };
    let mut r = Replayer::new(FdSource(0), FdWriter(1));
    r.run_section(&section.steps)
}

fn secs(s: &str, name: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("invalid {name} {s:?}"))
}

fn runner_main(args: &[String]) -> i32 {
    match runner_run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("oxbgp-conformance: {e}");
            2
        }
    }
}

fn runner_run(args: &[String]) -> Result<i32, String> {
    let mut corpus = None;
    let mut sut_spec = "oxbgp".to_string();
    let mut sut_bin = None;
    let mut only = vec![];
    let mut kinds = vec![];
    let mut jobs = 2usize;
    let mut timeout = Duration::from_secs(60);
    let mut connect_timeout = Duration::from_secs(20);
    let mut scratch = None;
    let mut list = false;
    let mut tool_timeout = None;
    let mut parsing_sanity = true;
    let mut runtime: Option<String> = None;
    let mut verbose = false;
    let mut write_expected = None;
    let mut expected_file = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--corpus" => corpus = Some(PathBuf::from(value(args, &mut i, "--corpus")?)),
            "--sut" => sut_spec = value(args, &mut i, "--sut")?,
            "--sut-bin" => sut_bin = Some(PathBuf::from(value(args, &mut i, "--sut-bin")?)),
            "--only" => only.push(value(args, &mut i, "--only")?),
            "--kind" => {
                let k = value(args, &mut i, "--kind")?;
                kinds.push(Kind::parse(&k).ok_or_else(|| format!("unknown kind {k:?}"))?);
            }
            "--jobs" => {
                jobs = value(args, &mut i, "--jobs")?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("invalid --jobs")?
            }
            "--timeout" => timeout = secs(&value(args, &mut i, "--timeout")?, "--timeout")?,
            "--tool-timeout" => {
                tool_timeout = Some(secs(
                    &value(args, &mut i, "--tool-timeout")?,
                    "--tool-timeout",
                )?)
            }
            "--connect-timeout" => {
                connect_timeout = secs(
                    &value(args, &mut i, "--connect-timeout")?,
                    "--connect-timeout",
                )?
            }
            "--scratch" => scratch = Some(PathBuf::from(value(args, &mut i, "--scratch")?)),
            "--list" => list = true,
            "--no-parsing-sanity" => parsing_sanity = false,
            "--runtime" => {
                let r = value(args, &mut i, "--runtime")?;
                if r != "mio" && r != "std" {
                    return Err(format!("--runtime takes mio or std, not {r:?}"));
                }
                runtime = Some(r);
            }
            "--verbose" | "-v" => verbose = true,
            "--write-expected-failures" => {
                write_expected = Some(PathBuf::from(value(
                    args,
                    &mut i,
                    "--write-expected-failures",
                )?))
            }
            "--expected-failures" => {
                expected_file = Some(PathBuf::from(value(args, &mut i, "--expected-failures")?))
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
        i += 1;
    }
    let corpus = corpus.ok_or_else(|| format!("--corpus is required\n{USAGE}"))?;
    let sut = Sut::resolve(&sut_spec, sut_bin.as_deref())?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate myself: {e}"))?;
    let mut opts = Options::new(corpus, sut, exe);
    opts.only = only;
    opts.kinds = kinds;
    opts.jobs = jobs;
    opts.timeout = timeout;
    opts.tool_timeout = tool_timeout.unwrap_or(opts.tool_timeout.min(timeout));
    opts.connect_timeout = connect_timeout;
    opts.verbose = verbose;
    opts.parsing_sanity = parsing_sanity;
    opts.runtime = runtime;
    if let Some(s) = scratch {
        opts.scratch = s;
    }
    let cases = runner::select(runner::discover(&opts.corpus)?, &opts);
    if list {
        for c in &cases {
            println!("{} {}", c.kind, c.name);
        }
        return Ok(0);
    }
    if !list && !matches!(opts.sut.program.try_exists(), Ok(true)) && opts.sut.program.is_absolute()
    {
        return Err(format!(
            "SUT {} does not exist (build it with `cargo build --release -p oxbgp` in the same \
             target dir, or pass --sut-bin PATH / --sut CMD)",
            opts.sut.program.display()
        ));
    }
    eprintln!(
        "running {} tests, SUT {}, scratch {}",
        cases.len(),
        opts.sut.program.display(),
        opts.scratch.display()
    );
    let report = |r: &runner::TestResult| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", r.line());
        if verbose && !r.passed && !r.details.is_empty() {
            for l in r.details.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
        let _ = out.flush();
    };
    let results = runner::run_tests(cases, &opts, &report);
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    println!("{passed} passed, {failed} failed");
    if let Some(path) = write_expected {
        std::fs::write(&path, runner::render_expected_failures(&results))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = expected_file {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let expected = runner::parse_expected_failures(&text)?;
        let problems = runner::ratchet(&results, &expected);
        for p in &problems {
            eprintln!("RATCHET: {p}");
        }
        return Ok(i32::from(!problems.is_empty()));
    }
    Ok(i32::from(failed > 0))
}
