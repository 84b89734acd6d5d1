//! The `oxbgp` binary as a user meets it: `validate` verdicts and messages,
//! `decode`, and a running daemon answering malformed input from a peer with the
//! NOTIFICATION RFC 4271 §6.1/§6.2 asks for — without crashing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{connect, free_port, open_msg, Daemon, BIN};

fn scratch(name: &str) -> PathBuf {
    support::scratch("cli", name)
}

fn validate(path: &Path) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_accepts_the_examples() {
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/loopback-pair");
    for f in ["a.conf", "b.conf"] {
        let (code, err) = validate(&ex.join(f));
        assert_eq!(code, 0, "{f}: {err}");
        assert!(err.is_empty(), "nothing on stderr for a valid file: {err}");
    }
}

#[test]
fn validate_names_file_line_column_and_what_was_expected() {
    let d = scratch("validate");
    let cases: &[(&str, &str, &str)] = &[
        // (config, "line:column", phrase)
        (
            "neighbor 127.0.0.1 {\n  local-as 1;\n  peer-as 1;\n  router-id 1.2.3.4;\n  colour blue;\n}\n",
            ":5:3:",
            "colour",
        ),
        (
            "neighbor 127.0.0.1 {\n  local-as 1;\n  peer-as 1;\n  router-id 1.2.3.4;\n  hold-time 2;\n}\n",
            ":5:",
            "hold",
        ),
        ("neighbor 127.0.0.300 {\n  local-as 1;\n  peer-as 1;\n}\n", ":1:", "127.0.0.300"),
        (
            "neighbor 127.0.0.1 {\n  peer-as 1;\n  router-id 1.2.3.4;\n}\n",
            ":1:",
            "local-as",
        ),
    ];
    for (i, (text, at, phrase)) in cases.iter().enumerate() {
        let f = d.join(format!("bad{i}.conf"));
        std::fs::write(&f, text).unwrap();
        let (code, err) = validate(&f);
        assert_eq!(code, 1, "case {i} must be rejected:\n{text}");
        let name = f.display().to_string();
        assert!(
            err.contains(&format!("{name}{at}")),
            "case {i}: want {name}{at} in {err:?}"
        );
        assert!(err.contains(phrase), "case {i}: want {phrase:?} in {err:?}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn decode_prints_exabgp_json() {
    let out = Command::new(BIN)
        .args(["decode", "--family", "ipv4 unicast", "--update"])
        .arg("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003C020000001C4001010040020040030465016501800404000000C840050400000064000000002001010101")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let u = &v["neighbor"]["message"]["update"];
    assert_eq!(u["attribute"]["med"], 200);
    assert_eq!(
        u["announce"]["ipv4 unicast"]["101.1.101.1"][4]["nlri"],
        "1.1.1.1/32"
    );
}

/// Read messages until a NOTIFICATION arrives; returns (code, subcode, data).
fn read_notification(s: &mut TcpStream) -> (u8, u8, Vec<u8>) {
    loop {
        let mut h = [0u8; 19];
        s.read_exact(&mut h)
            .expect("a message before the connection closes");
        let len = u16::from_be_bytes([h[16], h[17]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(19)];
        s.read_exact(&mut body).unwrap();
        if h[18] == 3 {
            return (body[0], body[1], body[2..].to_vec());
        }
    }
}

#[test]
fn malformed_peer_input_gets_the_rfc_notification_and_never_a_crash() {
    let d = scratch("peer-errors");
    let port = free_port("127.0.0.4");
    let conf = d.join("passive.conf");
    std::fs::write(
        &conf,
        "neighbor 127.0.0.1 {\n  router-id 10.0.0.4;\n  local-address 127.0.0.4;\n  local-as 65004;\n  peer-as 65001;\n  passive;\n  family { ipv4 unicast; }\n}\n",
    )
    .unwrap();
    let log = std::fs::File::create(d.join("oxbgp.log")).unwrap();
    let child = Command::new(BIN)
        .arg(&conf)
        .env("exabgp_tcp_port", port.to_string())
        .env("exabgp_tcp_bind", "127.0.0.4")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut daemon = Daemon(child);
    let addr: SocketAddr = format!("127.0.0.4:{port}").parse().unwrap();

    // Wrong marker → 1/1 Connection Not Synchronized.
    let mut s = connect(addr);
    let mut bad = vec![0xFF; 16];
    bad[3] = 0;
    bad.extend_from_slice(&[0, 19, 4]);
    s.write_all(&bad).unwrap();
    let (c, sc, _) = read_notification(&mut s);
    assert_eq!((c, sc), (1, 1), "bad marker");

    // Length below 19 → 1/2 Bad Message Length, data = the length.
    let mut s = connect(addr);
    let mut short = vec![0xFF; 16];
    short.extend_from_slice(&[0, 18, 4]);
    s.write_all(&short).unwrap();
    let (c, sc, data) = read_notification(&mut s);
    assert_eq!((c, sc, data), (1, 2, vec![0, 18]), "length < 19");

    // Length above 4096 before extended message is negotiated → 1/2.
    let mut s = connect(addr);
    let mut long = vec![0xFF; 16];
    long.extend_from_slice(&[0x10, 0x01, 2]);
    s.write_all(&long).unwrap();
    let (c, sc, data) = read_notification(&mut s);
    assert_eq!((c, sc, data), (1, 2, vec![0x10, 0x01]), "length > 4096");

    // OPEN with version 3 → 2/1 Unsupported Version Number.
    let mut s = connect(addr);
    s.write_all(&open_msg(3, 65001, 90, [10, 0, 0, 1])).unwrap();
    let (c, sc, _) = read_notification(&mut s);
    assert_eq!((c, sc), (2, 1), "bad version");

    // OPEN from the wrong AS → 2/2 Bad Peer AS.
    let mut s = connect(addr);
    s.write_all(&open_msg(4, 65099, 90, [10, 0, 0, 1])).unwrap();
    let (c, sc, _) = read_notification(&mut s);
    assert_eq!((c, sc), (2, 2), "bad peer AS");

    // Hold time 1 → 2/6 Unacceptable Hold Time.
    let mut s = connect(addr);
    s.write_all(&open_msg(4, 65001, 1, [10, 0, 0, 1])).unwrap();
    let (c, sc, _) = read_notification(&mut s);
    assert_eq!((c, sc), (2, 6), "hold time 1");

    // A truncated header then a hang-up: nothing to answer, nothing to crash.
    let mut s = connect(addr);
    s.write_all(&[0xFF; 7]).unwrap();
    drop(s);

    // Still alive, and it stops cleanly on SIGTERM.
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        daemon.0.try_wait().unwrap().is_none(),
        "oxbgp died on malformed input"
    );
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(daemon.0.id() as i32, libc::SIGTERM);
    }
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = daemon.0.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < end, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&d);
}
