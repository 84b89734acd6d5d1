//! Helpers shared by the integration tests that run the `oxbgp` binary.
#![allow(dead_code)] // each test file uses its own subset

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_oxbgp");

/// A fresh scratch directory for one test (`prefix` keeps test files apart).
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("oxbgp-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A TCP port free on `ip` right now.
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A daemon killed (by pid) and reaped when the test ends, however it ends.
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.0.id() as i32, libc::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

/// Connect to the daemon listening on `addr`, retrying while it starts.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => {
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                return s;
            }
            Err(e) if Instant::now() < end => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("cannot connect to {addr}: {e}"),
        }
    }
}

/// An OPEN without optional parameters (IPv4 unicast, 2-octet AS numbers).
pub fn open_msg(version: u8, asn: u16, hold: u16, id: [u8; 4]) -> Vec<u8> {
    let mut m = vec![0xFF; 16];
    m.extend_from_slice(&29u16.to_be_bytes());
    m.push(1);
    m.push(version);
    m.extend_from_slice(&asn.to_be_bytes());
    m.extend_from_slice(&hold.to_be_bytes());
    m.extend_from_slice(&id);
    m.push(0);
    m
}
