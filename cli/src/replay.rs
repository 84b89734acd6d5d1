//! `oxbgp replay FILE [--check EXPECTED]`: feed a recorded session (`oxbgp run
//! --record FILE`) to a fresh core and print every output as a JSON line.

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A recording written by `oxbgp run --record FILE`.
    pub recording: PathBuf,
    /// Compare the outputs with this file (one JSON line per output, as printed
    /// without --check); exit 1 at the first difference, showing it.
    #[arg(long, value_name = "EXPECTED")]
    pub check: Option<PathBuf>,
}

pub fn main(args: ReplayArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.recording) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", args.recording.display());
            return ExitCode::from(1);
        }
    };
    let recording = match oxbgp_core::record::parse(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.recording.display());
            return ExitCode::from(1);
        }
    };
    let actual = oxbgp_core::record::replay_to_string(recording);
    let Some(expected_path) = args.check else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(actual.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        };
    };
    let expected = match std::fs::read_to_string(&expected_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", expected_path.display());
            return ExitCode::from(1);
        }
    };
    match first_difference(&expected, &actual) {
        None => {
            println!("ok: {} outputs match", actual.lines().count());
            ExitCode::SUCCESS
        }
        Some(d) => {
            println!("{d}");
            ExitCode::from(1)
        }
    }
}

/// The first line where `actual` differs from `expected`, described.
pub fn first_difference(expected: &str, actual: &str) -> Option<String> {
    let mut e = expected.lines();
    let mut a = actual.lines();
    let mut n = 0usize;
    loop {
        n += 1;
        match (e.next(), a.next()) {
            (None, None) => return None,
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => {
                return Some(format!(
                    "output {n} differs:\n  expected: {x}\n  actual:   {y}"
                ))
            }
            (Some(x), None) => return Some(format!("output {n} missing:\n  expected: {x}")),
            (None, Some(y)) => return Some(format!("output {n} unexpected:\n  actual:   {y}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn differences_name_the_first_differing_output() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        let d = first_difference("a\nb\n", "a\nc\n").unwrap();
        assert!(d.starts_with("output 2 differs"), "{d}");
        assert!(
            d.contains("expected: b") && d.contains("actual:   c"),
            "{d}"
        );
        assert!(first_difference("a\n", "a\nz\n")
            .unwrap()
            .starts_with("output 2 unexpected"));
        assert!(first_difference("a\nz\n", "a\n")
            .unwrap()
            .starts_with("output 2 missing"));
    }
}
