//! Shared plumbing for the interop tests: locating/building `oxbgp`, starting
//! real daemons on loopback, and making sure every process we start is stopped
//! (by PID, in Drop).

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (conformance/..).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The `oxbgp` binary of the profile the tests were built with; built on demand.
pub fn oxbgp() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/oxbgp
    let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = profile_dir.join("oxbgp");
    let profile = profile_dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("debug");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(workspace())
        .args(["build", "-q", "-p", "oxbgp"]);
    if profile == "release" {
        cmd.arg("--release");
    }
    if let Some(target) = profile_dir.parent() {
        cmd.env("CARGO_TARGET_DIR", target);
    }
    let status = cmd.status().expect("cargo build -p oxbgp");
    assert!(status.success(), "cargo build -p oxbgp failed");
    assert!(bin.exists(), "{} missing after build", bin.display());
    bin
}

/// Is `tool` on PATH? In CI a missing tool is a failure (CI installs it); on a
/// developer machine the test is skipped with a loud message.
pub fn require_tool(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("{tool} is not installed but CI=true: .ci/run must install it");
        }
        eprintln!("\n!!!!!!!! SKIPPED: `{tool}` is not installed; install it (apt-get install gobgpd bird2) to run this interop test !!!!!!!!\n");
    }
    found
}

/// A free TCP port on `ip` (the socket is closed again; races are unlikely on loopback).
pub fn free_port(ip: &str) -> u16 {
    let l = TcpListener::bind(format!("{ip}:0")).expect("bind for a free port");
    l.local_addr().unwrap().port()
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxbgp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A child process killed (SIGTERM, then SIGKILL) and reaped when dropped.
pub struct Daemon {
    pub name: String,
    pub child: Option<Child>,
    pub log: PathBuf,
}

impl Daemon {
    pub fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Daemon {
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Daemon {
            name: name.into(),
            child: Some(child),
            log,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(-1)
    }

    pub fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            // SAFETY: kill(2) on the pid of our own, not yet reaped, child.
            unsafe {
                libc::kill(c.id() as i32, sig);
            }
        }
    }

    /// Wait for the process to exit by itself; its exit code, or None on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    self.child = None;
                    return Some(status.code().unwrap_or(-1));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: as in `signal`.
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let end = Instant::now() + Duration::from_secs(3);
            while Instant::now() < end {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Poll `f` every 200 ms until it returns Some or `timeout` passes.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Run a command and return its stdout if it succeeded.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The oxbgp configuration both interop tests announce: IPv4 and IPv6 routes with
/// as-path, med, local-preference, community, large-community and
/// extended-community (iBGP, so local-preference is sent).
pub fn oxbgp_config(peer: &str) -> String {
    format!(
        "neighbor {peer} {{
    router-id 10.0.0.1;
    local-address 127.0.0.1;
    local-as 65000;
    peer-as 65000;
    hold-time 30;
    family {{
        ipv4 unicast;
        ipv6 unicast;
    }}
    static {{
        route 10.1.0.0/24 next-hop 192.0.2.1 as-path [ 65100 65200 ] med 50 local-preference 200 community [ 65000:1 no-export ] large-community [ 65000:1:2 ] extended-community [ target:65000:100 ];
        route 10.2.0.0/16 next-hop 192.0.2.1 origin egp med 7;
        route 2001:db8:1::/48 next-hop 2001:db8::1 as-path [ 65100 ] med 10 local-preference 300 community [ 65000:6 ] large-community [ 4200000000:7:8 ] extended-community [ target:65000:200 ];
    }}
}}
"
    )
}

/// Start oxbgp on `conf` connecting to `port` (no listener of its own).
pub fn start_oxbgp(dir: &Path, conf: &Path, port: u16) -> Daemon {
    let mut cmd = Command::new(oxbgp());
    cmd.arg(conf)
        .env("exabgp_tcp_port", port.to_string())
        .env("exabgp_tcp_bind", "")
        .env("exabgp_api_cli", "false")
        .env("RUST_LOG", "debug");
    Daemon::spawn("oxbgp", cmd, dir.join("oxbgp.log"))
}

pub fn sock(ip: &str, port: u16) -> SocketAddr {
    format!("{ip}:{port}").parse().unwrap()
}

/// A GoBGP daemon for the interop tests: passive on 127.0.0.2:`port`, iBGP AS
/// 65000 with oxbgp at 127.0.0.1, gRPC API on 127.0.0.1:`api`.
pub struct Gobgp {
    pub daemon: Daemon,
    pub port: u16,
    pub api: u16,
}

impl Gobgp {
    /// Start gobgpd with the given afi-safis (e.g. `["ipv4-unicast"]`) and wait
    /// until its API answers.
    pub fn start(dir: &Path, afi_safis: &[&str]) -> Gobgp {
        let port = free_port("127.0.0.2");
        let api = free_port("127.0.0.1");
        let mut families = String::new();
        for f in afi_safis {
            families.push_str(&format!(
                "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"{f}\"\n"
            ));
        }
        let conf = dir.join("gobgpd.toml");
        std::fs::write(
            &conf,
            format!(
                r#"[global.config]
  as = 65000
  router-id = "10.0.0.2"
  port = {port}
  local-address-list = ["127.0.0.2"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.1"
    peer-as = 65000
  [neighbors.transport.config]
    passive-mode = true
    local-address = "127.0.0.2"
{families}"#
            ),
        )
        .unwrap();
        let mut cmd = Command::new("gobgpd");
        cmd.arg("-f").arg(&conf).args([
            "--api-hosts",
            &format!("127.0.0.1:{api}"),
            "-p",
            "--pprof-disable",
        ]);
        let daemon = Daemon::spawn("gobgpd", cmd, dir.join("gobgpd.log"));
        let g = Gobgp { daemon, port, api };
        eventually(Duration::from_secs(15), || g.json(&["neighbor"]))
            .unwrap_or_else(|| panic!("gobgpd API did not come up:\n{}", g.daemon.log_text()));
        g
    }

    /// `gobgp ARGS` against this daemon: stdout on success.
    pub fn raw(&self, args: &[&str]) -> Option<String> {
        output(
            Command::new("gobgp")
                .args(["-u", "127.0.0.1", "-p", &self.api.to_string()])
                .args(args),
        )
    }

    /// `gobgp ARGS -j`, parsed.
    pub fn json(&self, args: &[&str]) -> Option<serde_json::Value> {
        let mut a = args.to_vec();
        a.push("-j");
        serde_json::from_str(&self.raw(&a)?).ok()
    }
}
