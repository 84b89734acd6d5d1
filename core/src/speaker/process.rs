//! API processes (reference §2, §9 "Respawn"): the core decides when a process
//! is started, restarted, told to stop and killed; the runtime executes the
//! [`Output::Spawn`] / [`Output::WriteProcess`] / [`Output::Kill`] requests and
//! reports back with `Input::Process*`.
//!
//! * Every configured `process` section is started with the daemon (ExaBGP
//!   starts them all, referenced by a neighbor or not).
//! * A process that exits is started again at once when both its `respawn`
//!   and `api.respawn` are on. Respawns are counted per 64-second bucket aligned
//!   to the wall clock (`int(time) & ~63`); one more than `api.respawn-limit`
//!   (5) inside one bucket ends the daemon ("Too many death").
//! * At shutdown every process receives its encoder's shutdown message, then
//!   SIGTERM, then SIGKILL if still there 2 s later.

use crate::config::{Config, Encoder, ProcessConfig};
use crate::io::{Output, ProcId, ProcessSignal};
use crate::time::Instant;
use bytes::Bytes;

/// `done\n` 1,024 times: acknowledgements are slices of it ([`Processes::write_ack`]).
static DONE_RUN: [u8; 5 * 1024] = repeated(b"done\n");

const fn repeated<const N: usize>(unit: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    let mut i = 0;
    while i < N {
        a[i] = unit[i % unit.len()];
        i += 1;
    }
    a
}
use std::collections::VecDeque;
use std::path::Path;

/// How long a process has between SIGTERM and SIGKILL at shutdown.
pub const KILL_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The respawn bucket mask of ExaBGP (`0xFFFFFF - 0b111111`): 64-second windows
/// aligned to the wall clock.
const RESPAWN_BUCKET_MASK: u64 = !0b11_1111;

/// What the runtime knows about the daemon that JSON and text messages show:
/// its own pid and parent pid, the host name, and the wall-clock time (seconds
/// since the epoch) at the core's `Instant::ZERO`, so that a message's `time`
/// is `epoch_at_origin + now`. The core never reads clocks or the environment:
/// the runtime passes these once with [`crate::Speaker::set_identity`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DaemonIdentity {
    pub pid: u32,
    pub ppid: u32,
    pub host: String,
    pub epoch_at_origin: f64,
}

impl DaemonIdentity {
    /// Wall-clock seconds since the epoch at the core's instant `now`.
    pub fn wall_time(&self, now: Instant) -> f64 {
        self.epoch_at_origin + now.as_nanos() as f64 / 1e9
    }
}

/// One `process` section instance.
#[derive(Clone, Debug)]
pub struct ApiProcess {
    pub name: String,
    pub encoder: Encoder,
    pub respawn: bool,
    /// Program (resolved against the configuration directory) and arguments.
    pub argv: Vec<String>,
    /// A spawn was asked for and no exit/failure reported since.
    pub running: bool,
    /// The child's pid once started.
    pub pid: Option<u32>,
    /// Acknowledge commands with `done` / `error` (api.ack, enable/disable/silence-ack).
    pub ack: bool,
    /// Removed by a reload or given up: never started again.
    pub retired: bool,
    /// (bucket, respawns inside it).
    respawns: Option<(u64, u32)>,
}

/// Resolve `run`'s program the way the daemon can without touching the
/// filesystem: an absolute path as is, a relative path with a directory part
/// against the configuration's directory, a bare name left to the OS (`PATH`).
/// `oxbgp validate` (config::validate_processes) checks existence.
pub fn resolve_argv(p: &ProcessConfig, config_path: &str) -> Vec<String> {
    let mut argv = p.run.clone();
    if let Some(prog) = argv.first_mut() {
        let path = Path::new(prog.as_str());
        if !path.is_absolute() && path.components().count() > 1 {
            let dir = Path::new(config_path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            *prog = dir.join(path).to_string_lossy().into_owned();
        }
    }
    argv
}

/// All API processes of the daemon, indexed by [`ProcId`].
#[derive(Debug, Default)]
pub struct Processes {
    pub list: Vec<ApiProcess>,
    pub identity: DaemonIdentity,
    /// Respawns tolerated inside one bucket (`api.respawn-limit`, 5).
    pub respawn_limit: u32,
    /// `api.respawn`.
    pub respawn_enabled: bool,
    /// `api.ack`: the initial acknowledgement state of a started process.
    pub default_ack: bool,
}

/// What an exit means for the daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitOutcome {
    /// Nothing more (not respawned, or an unknown process).
    Gone,
    /// Spawn requested again.
    Respawned,
    /// Too many respawns inside one bucket: the daemon must stop.
    Storm,
}

impl Processes {
    pub fn get(&self, id: ProcId) -> Option<&ApiProcess> {
        self.list.get(id.0 as usize)
    }

    pub fn get_mut(&mut self, id: ProcId) -> Option<&mut ApiProcess> {
        self.list.get_mut(id.0 as usize)
    }

    pub fn id_of(&self, name: &str) -> Option<ProcId> {
        self.list
            .iter()
            .position(|p| p.name == name && !p.retired)
            .map(|i| ProcId(i as u32))
    }

    pub fn ids(&self) -> impl Iterator<Item = ProcId> + '_ {
        (0..self.list.len()).map(|i| ProcId(i as u32))
    }

    /// Add or refresh the processes of `config`; processes it no longer has
    /// are retired (and asked to stop). With `restart_all` every process is
    /// restarted (SIGUSR2/SIGALRM). New processes are spawned.
    pub fn configure(&mut self, config: &Config, restart_all: bool, out: &mut VecDeque<Output>) {
        for i in 0..self.list.len() {
            if self.list[i].retired {
                continue;
            }
            let name = self.list[i].name.clone();
            let keep = config.processes.iter().find(|p| p.name == name);
            let argv = keep.map(|p| resolve_argv(p, &config.path));
            let changed = keep.is_some_and(|p| {
                argv.as_ref() != Some(&self.list[i].argv) || p.encoder != self.list[i].encoder
            });
            if keep.is_none() || changed || restart_all {
                self.stop(ProcId(i as u32), out);
                self.list[i].retired = true;
            } else if let Some(p) = keep {
                self.list[i].respawn = p.respawn;
            }
        }
        for p in &config.processes {
            if self.id_of(&p.name).is_some() {
                continue;
            }
            let id = ProcId(self.list.len() as u32);
            self.list.push(ApiProcess {
                name: p.name.clone(),
                encoder: p.encoder,
                respawn: p.respawn,
                argv: resolve_argv(p, &config.path),
                running: false,
                pid: None,
                ack: self.default_ack,
                retired: false,
                respawns: None,
            });
            self.spawn(id, out);
        }
    }

    fn spawn(&mut self, id: ProcId, out: &mut VecDeque<Output>) {
        let default_ack = self.default_ack;
        let Some(p) = self.get_mut(id) else { return };
        p.running = true;
        p.pid = None;
        p.ack = default_ack;
        out.push_back(Output::Spawn {
            process: id,
            name: p.name.clone(),
            argv: p.argv.clone(),
            // ExaBGP keeps its own working directory for its children.
            cwd: None,
            // ExaBGP's children inherit its environment plus TERM=dumb.
            env: vec![("TERM".into(), "dumb".into())],
        });
    }

    /// Ask a running process to stop (SIGTERM; no respawn afterwards).
    pub fn stop(&mut self, id: ProcId, out: &mut VecDeque<Output>) {
        if let Some(p) = self.get_mut(id) {
            p.retired = true;
            if p.running {
                out.push_back(Output::Kill {
                    process: id,
                    signal: ProcessSignal::Terminate,
                });
            }
        }
    }

    pub fn started(&mut self, id: ProcId, pid: u32) {
        if let Some(p) = self.get_mut(id) {
            p.pid = Some(pid);
        }
    }

    /// A process exited or could not be started; respawn it if allowed.
    /// `now_secs` is the wall-clock second (for the respawn bucket).
    pub fn exited(
        &mut self,
        id: ProcId,
        now_secs: u64,
        shutting_down: bool,
        out: &mut VecDeque<Output>,
    ) -> ExitOutcome {
        let enabled = self.respawn_enabled;
        let limit = self.respawn_limit;
        let Some(p) = self.get_mut(id) else {
            return ExitOutcome::Gone;
        };
        p.running = false;
        p.pid = None;
        if shutting_down || p.retired || !p.respawn || !enabled {
            log::info!("process {} ended", p.name);
            return ExitOutcome::Gone;
        }
        let bucket = now_secs & RESPAWN_BUCKET_MASK;
        let count = match p.respawns {
            Some((b, n)) if b == bucket => n + 1,
            _ => 1,
        };
        p.respawns = Some((bucket, count));
        if count > limit {
            log::error!(
                "Too many death for {} ({limit}) terminating program",
                p.name
            );
            p.retired = true;
            return ExitOutcome::Storm;
        }
        log::info!("process {} ended, restarting it", p.name);
        self.spawn(id, out);
        ExitOutcome::Respawned
    }

    pub fn any_running(&self) -> bool {
        self.list.iter().any(|p| p.running)
    }

    /// Write `line` plus a newline to a running process.
    /// Write the acknowledgement `done` (or `error`). Consecutive `done`s to
    /// one process become one longer slice of [`DONE_RUN`]: a feed of a
    /// million commands costs neither an allocation nor an output per ack.
    pub fn write_ack(&self, id: ProcId, ok: bool, out: &mut VecDeque<Output>) {
        if !self.get(id).is_some_and(|p| p.running) {
            return;
        }
        const DONE: usize = b"done\n".len();
        if ok {
            if let Some(Output::WriteProcess { process, data }) = out.back_mut() {
                let run = data.as_ptr() == DONE_RUN.as_ptr() && data.len() < DONE_RUN.len();
                if *process == id && run {
                    *data = Bytes::from_static(&DONE_RUN[..data.len() + DONE]);
                    return;
                }
            }
        }
        out.push_back(Output::WriteProcess {
            process: id,
            data: Bytes::from_static(if ok { &DONE_RUN[..DONE] } else { b"error\n" }),
        });
    }

    pub fn write_line(&self, id: ProcId, line: &str, out: &mut VecDeque<Output>) {
        if !self.get(id).is_some_and(|p| p.running) {
            return;
        }
        let mut data = Vec::with_capacity(line.len() + 1);
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        out.push_back(Output::WriteProcess {
            process: id,
            data: Bytes::from(data),
        });
    }

    /// Shutdown: the encoder's shutdown message then SIGTERM to every running
    /// process. Returns whether any process is still running.
    pub fn begin_shutdown(&mut self, now: Instant, out: &mut VecDeque<Output>) -> bool {
        let id = &self.identity;
        let time = id.wall_time(now);
        for (i, p) in self.list.iter().enumerate() {
            if !p.running {
                continue;
            }
            let process = ProcId(i as u32);
            let msg = match p.encoder {
                Encoder::Text => crate::api::text::shutdown(id.pid, id.ppid),
                Encoder::Json => {
                    let env = crate::api::json::Envelope {
                        time,
                        host: &id.host,
                        pid: id.pid,
                        ppid: id.ppid,
                        counter: 0,
                    };
                    let mut s = crate::api::json::shutdown(&env);
                    s.push('\n');
                    s
                }
            };
            out.push_back(Output::WriteProcess {
                process,
                data: Bytes::from(msg.into_bytes()),
            });
        }
        for (i, p) in self.list.iter_mut().enumerate() {
            p.retired = true;
            if p.running {
                out.push_back(Output::Kill {
                    process: ProcId(i as u32),
                    signal: ProcessSignal::Terminate,
                });
            }
        }
        self.any_running()
    }

    /// The grace period is over: SIGKILL whatever is left.
    pub fn kill_remaining(&mut self, out: &mut VecDeque<Output>) {
        for (i, p) in self.list.iter_mut().enumerate() {
            if p.running {
                out.push_back(Output::Kill {
                    process: ProcId(i as u32),
                    signal: ProcessSignal::Kill,
                });
                p.running = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pc(name: &str, run: &str) -> ProcessConfig {
        ProcessConfig {
            name: name.into(),
            run: vec![run.into(), "arg".into()],
            encoder: Encoder::Text,
            respawn: true,
            run_line: 0,
            run_column: 0,
        }
    }

    #[test]
    fn programs_resolve_against_the_configuration_directory() {
        assert_eq!(
            resolve_argv(&pc("a", "./run/x.run"), "/etc/conf/a.conf"),
            vec!["/etc/conf/./run/x.run".to_string(), "arg".into()]
        );
        assert_eq!(
            resolve_argv(&pc("a", "/bin/cat"), "/etc/conf/a.conf")[0],
            "/bin/cat"
        );
        assert_eq!(
            resolve_argv(&pc("a", "python3"), "/etc/a.conf")[0],
            "python3"
        );
        assert_eq!(resolve_argv(&pc("a", "run/x"), "a.conf")[0], "./run/x");
    }

    #[test]
    fn consecutive_acks_to_one_process_share_one_write() {
        let mut ps = Processes::default();
        let cfg = Config {
            path: "/x/a.conf".into(),
            processes: vec![pc("p", "/bin/true"), pc("q", "/bin/true")],
            neighbors: vec![],
        };
        let mut out = VecDeque::new();
        ps.configure(&cfg, false, &mut out);
        ps.started(ProcId(0), 10);
        ps.started(ProcId(1), 11);
        out.clear();
        let (p, q) = (ProcId(0), ProcId(1));
        for _ in 0..3 {
            ps.write_ack(p, true, &mut out);
        }
        ps.write_ack(p, false, &mut out);
        ps.write_ack(p, true, &mut out);
        ps.write_ack(q, true, &mut out);
        ps.write_line(p, "version", &mut out);
        for _ in 0..1030 {
            ps.write_ack(p, true, &mut out);
        }
        let writes: Vec<(u32, String)> = out
            .iter()
            .map(|o| match o {
                Output::WriteProcess { process, data } => {
                    (process.0, String::from_utf8(data.to_vec()).unwrap())
                }
                other => panic!("{other:?}"),
            })
            .collect();
        let dones = |n: usize| "done\n".repeat(n);
        assert_eq!(
            writes,
            vec![
                (0, dones(3)),
                (0, "error\n".into()),
                (0, dones(1)),
                (1, dones(1)),
                (0, "version\n".into()),
                (0, dones(1024)),
                (0, dones(6)),
            ]
        );
    }

    #[test]
    fn respawn_storm_is_reported_on_the_sixth_respawn_of_a_bucket() {
        let mut ps = Processes {
            respawn_limit: 5,
            respawn_enabled: true,
            default_ack: true,
            ..Processes::default()
        };
        let cfg = Config {
            path: "/x/a.conf".into(),
            processes: vec![pc("p", "/bin/true")],
            neighbors: vec![],
        };
        let mut out = VecDeque::new();
        ps.configure(&cfg, false, &mut out);
        assert!(matches!(out.pop_front(), Some(Output::Spawn { .. })));
        for _ in 0..5 {
            assert_eq!(
                ps.exited(ProcId(0), 128, false, &mut out),
                ExitOutcome::Respawned
            );
            assert!(matches!(out.pop_front(), Some(Output::Spawn { .. })));
        }
        assert_eq!(
            ps.exited(ProcId(0), 130, false, &mut out),
            ExitOutcome::Storm
        );
        assert!(out.is_empty());
        // A new bucket starts counting again.
        let mut ps2 = Processes {
            respawn_limit: 5,
            respawn_enabled: true,
            ..Processes::default()
        };
        ps2.configure(&cfg, false, &mut out);
        out.clear();
        for t in [0, 10, 20, 30, 40, 64, 70] {
            assert_eq!(
                ps2.exited(ProcId(0), t, false, &mut out),
                ExitOutcome::Respawned
            );
        }
    }

    #[test]
    fn no_respawn_when_disabled() {
        let mut ps = Processes {
            respawn_limit: 5,
            respawn_enabled: true,
            ..Processes::default()
        };
        let mut p = pc("p", "/bin/true");
        p.respawn = false;
        let cfg = Config {
            path: "a.conf".into(),
            processes: vec![p],
            neighbors: vec![],
        };
        let mut out = VecDeque::new();
        ps.configure(&cfg, false, &mut out);
        out.clear();
        assert_eq!(ps.exited(ProcId(0), 0, false, &mut out), ExitOutcome::Gone);
        assert!(out.is_empty());
        assert!(!ps.any_running());
    }
}
