//! `oxbgp validate CONFIG...`: parse, check, explain every error.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Configuration files to check.
    #[arg(required = true)]
    pub configs: Vec<PathBuf>,
    /// Accepted for ExaBGP compatibility (`exabgp validate -nrv`): neighbors are
    /// always re-checked.
    #[arg(short = 'n', long = "neighbor")]
    pub neighbor: bool,
    /// Accepted for ExaBGP compatibility: routes are always checked.
    #[arg(short = 'r', long = "route")]
    pub route: bool,
    /// Print a summary of what each file configures.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Accepted for ExaBGP compatibility (pdb); no effect.
    #[arg(short = 'p', long = "pdb", hide = true)]
    pub pdb: bool,
}

pub fn main(args: ValidateArgs) -> ExitCode {
    let path_var = std::env::var_os("PATH");
    let mut ok = true;
    for file in &args.configs {
        match check(file, path_var.as_deref()) {
            Ok(summary) => {
                if args.verbose {
                    println!("{}: ok ({summary})", file.display());
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn check(file: &std::path::Path, path_var: Option<&std::ffi::OsStr>) -> Result<String, String> {
    let cfg = oxbgp_core::config::load(file).map_err(|e| e.to_string())?;
    let base = file.parent().unwrap_or(std::path::Path::new("."));
    oxbgp_core::config::validate_processes(&cfg, base, path_var).map_err(|e| e.to_string())?;
    let routes: usize = cfg.neighbors.iter().map(|n| n.routes.len()).sum();
    Ok(format!(
        "{} neighbor(s), {} process(es), {} route(s)",
        cfg.neighbors.len(),
        cfg.processes.len(),
        routes
    ))
}
