//! `oxbgp`: a drop-in ExaBGP 5.0 replacement.
//!
//! `oxbgp CONFIG...` (same as `oxbgp run CONFIG...`) runs the daemon;
//! `oxbgp validate`, `oxbgp decode` and `oxbgp version` are the offline tools.

mod decode;
mod replay;
mod run;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

const ABOUT: &str =
    "oxbgp: a BGP speaker driven by your programs — an ExaBGP 5.0 drop-in replacement";

const LONG_ABOUT: &str = "\
oxbgp is a pure BGP speaker (no RIB, no FIB) that external programs drive over \
stdin/stdout: health checks announce anycast /32s, DDoS tools push FlowSpec rules, \
monitors read every UPDATE as JSON. It reads ExaBGP 5.0 configuration files, speaks \
ExaBGP's text and JSON API to its processes and honours the same exabgp.* environment \
settings (both exabgp.section.option and exabgp_section_option spellings).

Running `oxbgp CONFIG...` is the same as `oxbgp run CONFIG...`.";

const AFTER_HELP: &str = "\
ENVIRONMENT:
  exabgp.tcp.port / exabgp_tcp_port      destination (and listen) port, default 179
  exabgp.tcp.bind / exabgp_tcp_bind      addresses to listen on, space separated; empty = none
  exabgp.tcp.attempts                    connection attempts per neighbor (0 = forever);
                                         with N > 0 oxbgp exits once no neighbor is left
  exabgp.api.ack / exabgp_api_ack        acknowledge API commands with done/error (true)
  exabgp.log.level                       log level (INFO); RUST_LOG also works
  exabgp_version                         release reported in the software-version capability

SIGNALS:
  SIGTERM, SIGINT, SIGHUP   orderly stop: Cease NOTIFICATION to every peer, then exit 0
  SIGUSR1                   reload the configuration (a bad file keeps the running one)
  SIGUSR2                   reload and restart the API processes

EXAMPLES:
  oxbgp /etc/exabgp/exabgp.conf
  oxbgp validate examples/loopback-pair/a.conf
  oxbgp decode --update FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0017020000000000
  exabgp_tcp_port=1790 oxbgp examples/loopback-pair/a.conf";

#[derive(Parser, Debug)]
#[command(name = "oxbgp", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the BGP daemon on one or more configuration files.
    Run(run::RunArgs),
    /// Check configuration files and explain every error (exit 0 valid, 1 invalid).
    Validate(validate::ValidateArgs),
    /// Decode a hex BGP message into the JSON an API process would receive.
    Decode(decode::DecodeArgs),
    /// Replay a session recorded with `run --record` and print the core's outputs.
    Replay(replay::ReplayArgs),
    /// Print the version.
    Version,
}

/// `oxbgp file.conf` means `oxbgp run file.conf`, as `exabgp file.conf` means
/// `exabgp server file.conf`.
fn with_implicit_run(mut args: Vec<String>) -> Vec<String> {
    const SUBCOMMANDS: [&str; 7] = [
        "run", "validate", "decode", "replay", "version", "help", "server",
    ];
    const GLOBAL_FLAGS: [&str; 4] = ["-h", "--help", "-V", "--version"];
    if let Some(first) = args.get(1) {
        if first == "server" {
            args[1] = "run".into();
        } else if (!first.starts_with('-') && !SUBCOMMANDS.contains(&first.as_str()))
            // `oxbgp --runtime std CONFIG`: run options before the file mean run too.
            || (first.starts_with('-') && !GLOBAL_FLAGS.contains(&first.as_str()))
        {
            args.insert(1, "run".into());
        }
    }
    args
}

fn main() -> ExitCode {
    let args = with_implicit_run(std::env::args().collect());
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Run(a) => run::main(a),
        Command::Validate(a) => validate::main(a),
        Command::Decode(a) => decode::main(a),
        Command::Replay(a) => replay::main(a),
        Command::Version => {
            let settings =
                oxbgp_core::Settings::from_lookup(|k| std::env::var(k).ok()).unwrap_or_default();
            println!("oxbgp : {}", settings.release());
            println!("ExaBGP API : {}", oxbgp_core::API_VERSION);
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_bare_config_means_run() {
        assert_eq!(
            with_implicit_run(v(&["oxbgp", "a.conf"])),
            v(&["oxbgp", "run", "a.conf"])
        );
        assert_eq!(
            with_implicit_run(v(&["oxbgp", "server", "a.conf"])),
            v(&["oxbgp", "run", "a.conf"])
        );
        assert_eq!(
            with_implicit_run(v(&["oxbgp", "validate", "a.conf"])),
            v(&["oxbgp", "validate", "a.conf"])
        );
        assert_eq!(
            with_implicit_run(v(&["oxbgp", "--help"])),
            v(&["oxbgp", "--help"])
        );
        assert_eq!(
            with_implicit_run(v(&["oxbgp", "--runtime", "std", "a.conf"])),
            v(&["oxbgp", "run", "--runtime", "std", "a.conf"])
        );
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
