//! `oxbgp run CONFIG...`: the daemon.

use clap::{Args, ValueEnum};
use oxbgp_core::record::Recorder;
use oxbgp_core::Settings;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuntimeKind {
    /// Single-threaded mio event loop (default).
    Mio,
    /// Blocking std threads feeding the core through a channel.
    Std,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Configuration file(s). Several files run one daemon each, or rotate on
    /// reload with exabgp.debug.rotate=true.
    #[arg(required = true)]
    pub configs: Vec<PathBuf>,
    /// Which runtime drives the core [default: $OXBGP_RUNTIME, else mio].
    #[arg(long, value_enum)]
    pub runtime: Option<RuntimeKind>,
    /// Verbose logging (all topics at DEBUG).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Same as --verbose (ExaBGP's -d).
    #[arg(short = 'd', long)]
    pub debug: bool,
    /// Every neighbor passive (exabgp.bgp.passive).
    #[arg(short = 'P', long)]
    pub passive: bool,
    /// Record every input fed to the core into FILE (JSON lines), for
    /// `oxbgp replay FILE`. With several configuration files, only the first
    /// daemon records.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

fn init_logging(settings: &Settings, verbose: bool) {
    let level = if verbose {
        "debug".to_string()
    } else {
        match settings.log_level.to_ascii_uppercase().as_str() {
            "FATAL" | "CRITICAL" | "ERROR" => "error",
            "WARNING" | "WARN" => "warn",
            "DEBUG" | "NOTSET" => "debug",
            _ => "info",
        }
        .to_string()
    };
    // RUST_LOG, when set, wins; logs go to stderr (ExaBGP's "stdout" destination
    // is stderr too), never mixed with API process output.
    // Received routes are a topic of their own (exabgp.log.routes), off by default.
    let level = if settings.log_routes || verbose {
        level
    } else {
        format!("{level},routes=off")
    };
    let env = env_logger::Env::default().default_filter_or(level);
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp_millis()
        .try_init();
}

pub fn main(args: RunArgs) -> ExitCode {
    let mut settings = match Settings::from_lookup(|k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if args.passive {
        settings.bgp_passive = true;
    }
    init_logging(&settings, args.verbose || args.debug);

    for c in &args.configs {
        if !c.exists() {
            eprintln!("error: configuration file {} does not exist", c.display());
            return ExitCode::from(1);
        }
    }
    if args.configs.len() > 1 && !settings.debug_rotate {
        return run_one_daemon_per_file(&args);
    }

    let files = args.configs.clone();
    let config = match oxbgp_core::config::load(&files[0]) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    // Reload: re-read the current file, or rotate to the next one (debug.rotate).
    let mut index = 0usize;
    let rotate = settings.debug_rotate && files.len() > 1;
    let reloader: oxbgp_runtime_mio::Reloader = Box::new(move || {
        if rotate {
            index = (index + 1) % files.len();
        }
        oxbgp_core::config::load(&files[index]).map_err(|e| e.to_string())
    });
    let record: Option<(Recorder, Box<dyn std::io::Write>)> = match &args.record {
        None => None,
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some((
                recorder(&args.configs[0], args.passive),
                Box::new(std::io::BufWriter::new(f)),
            )),
            Err(e) => {
                eprintln!("error: cannot create the recording {}: {e}", path.display());
                return ExitCode::from(1);
            }
        },
    };
    let runtime = match resolve_runtime(args.runtime, std::env::var("OXBGP_RUNTIME").ok()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let result = match runtime {
        RuntimeKind::Mio => {
            oxbgp_runtime_mio::run_recorded(config, settings, Some(reloader), record)
        }
        RuntimeKind::Std => {
            oxbgp_runtime_std::run_recorded(config, settings, Some(reloader), record)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `--runtime` wins, then the `OXBGP_RUNTIME` environment variable (handy for
/// test runners that start `oxbgp CONFIG`), then mio.
fn resolve_runtime(flag: Option<RuntimeKind>, env: Option<String>) -> Result<RuntimeKind, String> {
    if let Some(r) = flag {
        return Ok(r);
    }
    match env.as_deref().map(str::trim) {
        None | Some("") => Ok(RuntimeKind::Mio),
        Some(v) => RuntimeKind::from_str(v, true)
            .map_err(|_| format!("OXBGP_RUNTIME={v}: expected mio or std")),
    }
}

/// A recorder carrying the configuration's text and the `exabgp.*` environment,
/// so the recording can be replayed after the configuration model changes.
fn recorder(config: &std::path::Path, passive: bool) -> Recorder {
    let text = std::fs::read_to_string(config).ok();
    let mut env: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("exabgp.") || k.starts_with("exabgp_"))
        .collect();
    if passive {
        env.insert("exabgp.bgp.passive".into(), "true".into());
    }
    Recorder::new().with_sources(text, Some(env))
}

/// ExaBGP runs one daemon per configuration file when given several.
fn run_one_daemon_per_file(args: &RunArgs) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot find our own executable: {e}");
            return ExitCode::from(1);
        }
    };
    let mut children = Vec::new();
    for c in &args.configs {
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("run").arg(c);
        if let Some(rt) = args.runtime {
            cmd.arg("--runtime").arg(match rt {
                RuntimeKind::Mio => "mio",
                RuntimeKind::Std => "std",
            });
        }
        if let (Some(r), true) = (&args.record, children.is_empty()) {
            cmd.arg("--record").arg(r);
        }
        if args.verbose || args.debug {
            cmd.arg("--verbose");
        }
        if args.passive {
            cmd.arg("--passive");
        }
        match cmd.spawn() {
            Ok(child) => children.push(child),
            Err(e) => {
                eprintln!("error: cannot start the daemon for {}: {e}", c.display());
                return ExitCode::from(1);
            }
        }
    }
    let mut worst = 0;
    for mut child in children {
        if let Ok(status) = child.wait() {
            worst = worst.max(status.code().unwrap_or(1));
        }
    }
    ExitCode::from(worst.clamp(0, 255) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_environment_then_mio() {
        assert_eq!(resolve_runtime(None, None), Ok(RuntimeKind::Mio));
        assert_eq!(
            resolve_runtime(None, Some("std".into())),
            Ok(RuntimeKind::Std)
        );
        assert_eq!(
            resolve_runtime(None, Some(" STD ".into())),
            Ok(RuntimeKind::Std)
        );
        assert_eq!(
            resolve_runtime(Some(RuntimeKind::Mio), Some("std".into())),
            Ok(RuntimeKind::Mio)
        );
        assert!(resolve_runtime(None, Some("tokio".into()))
            .unwrap_err()
            .contains("OXBGP_RUNTIME=tokio"));
    }
}
