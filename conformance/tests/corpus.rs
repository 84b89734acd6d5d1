//! The conformance ratchet: run the whole shared corpus against the `oxbgp`
//! binary and compare with `expected-failures.txt`. An unlisted failure is a
//! regression; a listed test that passes must be removed from the list.
//!
//! The corpus runs once per runtime (mio, then std): both must behave the same,
//! so both are held to the same list. `OXBGP_CONFORMANCE_RUNTIMES=mio` limits it.
//!
//! Set `OXBGP_CONFORMANCE_SKIP=1` to skip (e.g. for a quick unit-test loop).

use oxbgp_conformance::runner::{self, Options, Sut, SutStyle};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[test]
fn corpus_ratchet() {
    if std::env::var_os("OXBGP_CONFORMANCE_SKIP").is_some() {
        eprintln!("SKIP: OXBGP_CONFORMANCE_SKIP is set");
        return;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("workspace root");
    let corpus = workspace.join("../shared/conformance");
    if !corpus.join("encoding").is_dir() {
        eprintln!(
            "\n*** SKIP: corpus {} is absent: the conformance ratchet did NOT run ***\n",
            corpus.display()
        );
        return;
    }

    // The SUT is the oxbgp binary of the same target dir and profile.
    let harness = PathBuf::from(env!("CARGO_BIN_EXE_oxbgp-conformance"));
    let profile_dir = harness.parent().expect("profile dir").to_path_buf();
    let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "-p", "oxbgp"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", &target_dir);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build -p oxbgp");
    assert!(status.success(), "cargo build -p oxbgp failed");
    let sut_bin = profile_dir.join("oxbgp");
    assert!(sut_bin.exists(), "{} missing", sut_bin.display());

    let sut = Sut {
        program: sut_bin,
        prefix_args: vec![],
        style: SutStyle::Oxbgp,
    };
    let runtimes = std::env::var("OXBGP_CONFORMANCE_RUNTIMES").unwrap_or_else(|_| "mio std".into());
    let list_path = manifest.join("expected-failures.txt");
    let text = std::fs::read_to_string(&list_path).unwrap_or_default();
    let expected = runner::parse_expected_failures(&text).expect("parse expected-failures.txt");
    let mut problems = Vec::new();
    for runtime in runtimes.split_whitespace() {
        let mut opts = Options::new(corpus.clone(), sut.clone(), harness.clone());
        opts.runtime = Some(runtime.to_string());
        opts.jobs = 2;
        // Upstream's slowest test takes ~9 s; 20 s bounds a stuck run of all
        // 54 encoding tests to ~9 minutes on 2 workers.
        opts.timeout = Duration::from_secs(20);
        opts.connect_timeout = Duration::from_secs(10);
        opts.tool_timeout = Duration::from_secs(5);
        opts.scratch = target_dir.join(format!("conformance-scratch-{runtime}"));
        let mut cases = runner::discover(&corpus).expect("discover corpus");
        assert!(!cases.is_empty(), "empty corpus");
        if runtime != "mio" {
            // decode/validate do not involve a runtime: run them once.
            cases.retain(|c| c.kind == runner::Kind::Encoding);
        }
        println!("== runtime {runtime}");
        let results = runner::run_tests(cases, &opts, &|r| println!("{}", r.line()));
        let passed = results.iter().filter(|r| r.passed).count();
        println!("{} passed, {} failed", passed, results.len() - passed);
        for p in runner::ratchet(&results, &expected) {
            problems.push(format!("[runtime {runtime}] {p}"));
        }
    }

    assert!(
        problems.is_empty(),
        "conformance ratchet ({} problems; regenerate with `cargo run --release -p \
         oxbgp-conformance -- --corpus ../shared/conformance --write-expected-failures \
         conformance/expected-failures.txt` once intended):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
