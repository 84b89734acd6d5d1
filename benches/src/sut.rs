//! The system under test: `oxbgp` or ExaBGP started as a child process with a
//! generated configuration, and its resource usage read from `/proc`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Oxbgp,
    Exabgp,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "oxbgp" => Some(Kind::Oxbgp),
            "exabgp" => Some(Kind::Exabgp),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Oxbgp => "oxbgp",
            Kind::Exabgp => "exabgp",
        }
    }
}

pub const EXABGP: &str = "/opt/exabgp-venv/bin/exabgp";

/// The `oxbgp` binary next to this bench binary (same target dir and
/// profile), as built by `cargo build --release -p oxbgp`.
pub fn default_binary(kind: Kind) -> PathBuf {
    match kind {
        Kind::Exabgp => PathBuf::from(EXABGP),
        Kind::Oxbgp => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("oxbgp")))
            .unwrap_or_else(|| PathBuf::from("oxbgp")),
    }
}

pub struct Sut {
    child: Child,
    pub pid: u32,
    /// `perf record` attached to the daemon when OXBGP_BENCH_PERF=FILE.
    perf: Option<Child>,
}

impl Sut {
    /// Start `bin` on `config`, connecting out to peers on `port`; its
    /// stdout/stderr go to `log`.
    pub fn spawn(kind: Kind, bin: &Path, config: &Path, port: u16, log: &Path) -> io::Result<Sut> {
        let out = fs::File::create(log)?;
        let err = out.try_clone()?;
        let mut cmd = Command::new(bin);
        cmd.arg(config)
            .env("exabgp_tcp_port", port.to_string())
            .env("exabgp_tcp_bind", "")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        if kind == Kind::Exabgp {
            // Run as the current user: ExaBGP drops to `nobody` when started
            // as root, and could then not write the bench's files.
            if let Ok(user) = std::env::var("USER") {
                cmd.env("exabgp_daemon_user", user);
            } else {
                cmd.env("exabgp_daemon_user", "root");
            }
        }
        let child = cmd.spawn()?;
        let pid = child.id();
        // Profiling aid: sample the daemon (software clock: the machine has no
        // hardware counters) for the whole run.
        let perf = std::env::var_os("OXBGP_BENCH_PERF").and_then(|out| {
            Command::new("perf")
                .args(["record", "-e", "cpu-clock", "-g", "-q", "-o"])
                .arg(out)
                .arg("-p")
                .arg(pid.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()
        });
        Ok(Sut { child, pid, perf })
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// CPU seconds (user + system) used so far by the daemon itself (not its
    /// API processes).
    pub fn cpu_s(&self) -> f64 {
        cpu_s(self.pid).unwrap_or(0.0)
    }

    pub fn rss_kb(&self) -> u64 {
        status_kb(self.pid, "VmRSS:").unwrap_or(0)
    }

    /// Peak resident set size (the kernel's high-water mark).
    pub fn peak_rss_kb(&self) -> u64 {
        status_kb(self.pid, "VmHWM:").unwrap_or(0)
    }

    /// SIGTERM, then SIGKILL after 5 s.
    pub fn stop(mut self) {
        if let Some(mut p) = self.perf.take() {
            // SAFETY: signalling our own child by its pid.
            unsafe {
                libc::kill(p.id() as libc::pid_t, libc::SIGINT);
            }
            let _ = p.wait();
        }
        // SAFETY: signalling our own child by its pid.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(5) {
            if !self.alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sut {
    fn drop(&mut self) {
        if self.alive() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn status_kb(pid: u32, key: &str) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

fn cpu_s(pid: u32) -> Option<f64> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: fields count from its ')'.
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after field 2.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some(ticks as f64 / hz)
}

/// Raise RLIMIT_NOFILE to its hard limit (inherited by the daemon).
pub fn raise_nofile() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
    r.rlim_cur
}

/// 1-minute load average, for the record.
pub fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}
