//! Recorded real sessions (oxbgp against GoBGP and BIRD, see
//! `fixtures/recordings/README.md`) replayed into a fresh core: the outputs must
//! be byte-for-byte the expected ones. A difference means the core's behaviour
//! changed: either a regression, or an intended change whose expected outputs
//! must be regenerated (the README says how).

use oxbgp_core::io::{Event, Output};
use oxbgp_core::record::{self, OutputLine};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recordings")
}

fn replay(name: &str) -> (String, String) {
    let rec = std::fs::read_to_string(dir().join(format!("{name}.rec")))
        .unwrap_or_else(|e| panic!("{name}.rec: {e}"));
    let expected = std::fs::read_to_string(dir().join(format!("{name}.out")))
        .unwrap_or_else(|e| panic!("{name}.out: {e}"));
    let recording = record::parse(&rec).unwrap_or_else(|e| panic!("{name}.rec: {e}"));
    (record::replay_to_string(recording), expected)
}

/// Byte equality, reported as the first differing output (not a 1 MB diff).
fn assert_same(name: &str, actual: &str, expected: &str) {
    if actual == expected {
        return;
    }
    let (mut a, mut e) = (actual.lines(), expected.lines());
    for n in 1.. {
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => panic!(
                "{name}: output {n} differs from the recording's expected outputs\n  expected: {}\n  actual:   {}\n(regenerate with fixtures/recordings/README.md if the change is intended)",
                x.map(|s| s.chars().take(400).collect::<String>()).unwrap_or("<end>".into()),
                y.map(|s| s.chars().take(400).collect::<String>()).unwrap_or("<end>".into()),
            ),
        }
    }
}

fn outputs(text: &str) -> Vec<Output> {
    text.lines()
        .map(|l| serde_json::from_str::<OutputLine>(l).unwrap().output)
        .collect()
}

fn session_downs(outs: &[Output]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Event(Event::SessionDown { reason, .. }) => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn ups(outs: &[Output]) -> usize {
    outs.iter()
        .filter(|o| matches!(o, Output::Event(Event::SessionUp { .. })))
        .count()
}

#[test]
fn gobgp_session_with_a_peer_reset_replays_exactly() {
    let (actual, expected) = replay("gobgp");
    assert_same("gobgp", &actual, &expected);
    let outs = outputs(&actual);
    // GoBGP's `neighbor reset` is a Cease / Administrative Reset (RFC 4486 §3,
    // subcode 4); the session comes back, then our SIGTERM sends subcode 2.
    assert_eq!(
        session_downs(&outs),
        ["notification received (6,4)", "notification sent (6,2)"]
    );
    assert_eq!(ups(&outs), 2);
    assert!(matches!(outs.last(), Some(Output::Timeout(_))));
    assert!(outs.iter().any(|o| matches!(o, Output::Exit { code: 0 })));
}

#[test]
fn bird_restart_replays_exactly() {
    let (actual, expected) = replay("bird-restart");
    assert_same("bird-restart", &actual, &expected);
    let outs = outputs(&actual);
    // BIRD killed (the TCP connection drops without a NOTIFICATION), restarted,
    // the session re-established, then our orderly stop.
    assert_eq!(
        session_downs(&outs),
        ["closing connection", "notification sent (6,2)"]
    );
    assert_eq!(ups(&outs), 2);
}

#[test]
fn bird_table_of_10k_routes_replays_exactly_and_reaches_the_process() {
    let (actual, expected) = replay("bird-10k-routes");
    assert_same("bird-10k-routes", &actual, &expected);
    // Every one of BIRD's 10,000 static /24s reached the JSON process.
    let mut nlri = std::collections::BTreeSet::new();
    for o in outputs(&actual) {
        if let Output::WriteProcess { data, .. } = o {
            let text = String::from_utf8_lossy(&data);
            for part in text.split("\"nlri\": \"").skip(1) {
                if let Some(end) = part.find('"') {
                    nlri.insert(part[..end].to_string());
                }
            }
        }
    }
    let table: Vec<&String> = nlri.iter().filter(|p| p.starts_with("10.1")).collect();
    assert!(
        table.len() >= 10_000,
        "{} prefixes reached the process",
        table.len()
    );
}

#[test]
fn every_fixture_has_its_expected_outputs_and_stays_small() {
    let mut recs = 0;
    for e in std::fs::read_dir(dir()).unwrap() {
        let p = e.unwrap().path();
        let size = std::fs::metadata(&p).unwrap().len();
        assert!(size < 2 * 1024 * 1024, "{} is {size} bytes", p.display());
        if p.extension().is_some_and(|x| x == "rec") {
            recs += 1;
            assert!(
                p.with_extension("out").exists(),
                "{} has no .out",
                p.display()
            );
        }
    }
    assert!(recs >= 3);
}

#[test]
fn api_commands_against_bird_replay_exactly() {
    let (actual, expected) = replay("api-commands");
    assert_same("api-commands", &actual, &expected);
    let outs = outputs(&actual);
    let to_process: Vec<String> = outs
        .iter()
        .filter_map(|o| match o {
            Output::WriteProcess { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect();
    // Five route commands, version, show, teardown acknowledged; the unknown
    // command refused.
    assert_eq!(
        to_process.iter().filter(|l| *l == "done\n").count(),
        8,
        "{to_process:#?}"
    );
    assert_eq!(
        to_process.iter().filter(|l| *l == "error\n").count(),
        1,
        "{to_process:#?}"
    );
    // The teardown: Cease sent, then the session comes back.
    assert_eq!(
        session_downs(&outs),
        ["notification sent (6,2)", "notification sent (6,2)"]
    );
    assert_eq!(ups(&outs), 2);
    // The API routes went out as UPDATEs (type 2) carrying NLRI.
    let updates = outs
        .iter()
        .filter(|o| matches!(o, Output::Transmit { data, .. } if data.len() > 23 && data[18] == 2))
        .count();
    assert!(updates >= 3, "{updates} UPDATEs with content");
}
