//! Configuration parser tests: the conformance corpus, content assertions,
//! a table of bad configurations with exact positions, template semantics.

use oxbgp_core::config::*;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/conf")
}

#[test]
fn corpus_all_parse() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "SKIPPING corpus_all_parse: {} does not exist",
            dir.display()
        );
        return;
    }
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for p in &names {
        if let Err(e) = load(p) {
            failures.push(e.to_string());
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    assert_eq!(names.len(), 65);
    assert!(failures.is_empty(), "{} failures", failures.len());
}
