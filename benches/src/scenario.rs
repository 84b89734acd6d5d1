//! Macro scenarios: the real daemon (oxbgp or ExaBGP) as a child process,
//! driven over loopback by the peers of [`crate::peer`] and by API processes
//! that are this same binary in `feed` / `count` mode. Each scenario prints
//! one JSON line of figures last.

use crate::peer::{self, Session};
use crate::sut::{self, Kind, Sut};
use crate::{alloc, fixture};
use oxbgp_core::config::NextHop;
use oxbgp_core::rib::{AdjRibOut, RouteAttributes};
use oxbgp_core::wire::Family;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Opts {
    pub n: Option<u64>,
    pub sut: Kind,
    pub sut_bin: Option<PathBuf>,
    pub per_set: Option<usize>,
    pub secs: u64,
    pub timeout: Duration,
    pub keep: bool,
    /// Extra statements for the neighbor block (e.g. `adj-rib-in false;`).
    pub neighbor_extra: String,
}

const LOCAL: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const LOCAL_AS: u32 = 65001;

fn err(s: impl Into<String>) -> io::Error {
    io::Error::other(s.into())
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

struct Workdir(PathBuf, bool);

impl Workdir {
    fn new(name: &str, keep: bool) -> io::Result<Workdir> {
        let d = std::env::temp_dir().join(format!("oxbgp-bench-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d)?;
        Ok(Workdir(d, keep))
    }

    fn path(&self, f: &str) -> PathBuf {
        self.0.join(f)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if self.1 {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

fn self_exe() -> io::Result<PathBuf> {
    std::env::current_exe()
}

/// Listeners on one common port for every address (the daemon connects to
/// `exabgp.tcp.port` on each neighbor address).
fn listen_all(addrs: &[Ipv4Addr]) -> io::Result<(u16, Vec<TcpListener>)> {
    for _ in 0..50 {
        let first = TcpListener::bind(SocketAddr::new(IpAddr::V4(addrs[0]), 0))?;
        let port = first.local_addr()?.port();
        let mut ls = vec![first];
        let ok = addrs[1..].iter().all(|a| {
            TcpListener::bind(SocketAddr::new(IpAddr::V4(*a), port))
                .map(|l| ls.push(l))
                .is_ok()
        });
        if ok {
            return Ok((port, ls));
        }
    }
    Err(err("no common free port"))
}

fn accept(l: &TcpListener, sut: &mut Sut, deadline: Instant) -> io::Result<std::net::TcpStream> {
    l.set_nonblocking(true)?;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(err("the daemon did not connect in time"));
                }
                if !sut.alive() {
                    return Err(err("the daemon exited (see its log with --keep)"));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

fn neighbor(out: &mut String, peer: Ipv4Addr, body: &str) {
    let _ = write!(
        out,
        "neighbor {peer} {{\n    router-id 10.0.0.1;\n    local-address {LOCAL};\n    local-as {LOCAL_AS};\n    peer-as {};\n    family {{ ipv4 unicast; }}\n{body}}}\n",
        peer::PEER_AS
    );
}

fn binary(o: &Opts) -> PathBuf {
    o.sut_bin
        .clone()
        .unwrap_or_else(|| sut::default_binary(o.sut))
}

fn start(o: &Opts, dir: &Workdir, config: &str, port: u16) -> io::Result<Sut> {
    let conf = dir.path("bench.conf");
    fs::write(&conf, config)?;
    let bin = binary(o);
    Sut::spawn(o.sut, &bin, &conf, port, &dir.path("daemon.log"))
        .map_err(|e| err(format!("cannot start {}: {e}", bin.display())))
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

// ---------------------------------------------------------------- announce

/// `feed ROUTES GO`: the API process of `announce`. Waits for GO to exist
/// (the session is up), writes ROUTES to stdout (like `cat`), and drains stdin
/// (the daemon's `done` acknowledgements) until the daemon closes it.
/// Written by [`feed`] once its lines are loaded.
fn ready_file(go: &Path) -> PathBuf {
    go.with_extension("ready")
}

pub fn feed(routes: &Path, go: &Path) -> io::Result<()> {
    let drain = std::thread::spawn(|| {
        let mut buf = vec![0u8; 65536];
        let mut stdin = io::stdin().lock();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
    });
    // Loaded before the go signal: the measured window is the daemon's, not
    // this process reading a 120 MB file.
    let data = fs::read(routes)?;
    fs::write(ready_file(go), b"ready")?;
    let t = Instant::now();
    while !go.exists() {
        if t.elapsed() > Duration::from_secs(600) {
            return Err(err("no go signal"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut out = io::stdout().lock();
    out.write_all(&data)?;
    out.flush()?;
    drop(out);
    let _ = drain.join();
    Ok(())
}

pub struct AnnounceResult {
    pub json: String,
    pub routes_per_s: f64,
}

pub fn announce(o: &Opts, n: u64) -> io::Result<AnnounceResult> {
    let dir = Workdir::new(&format!("announce-{n}"), o.keep)?;
    let routes = dir.path("routes.txt");
    let go = dir.path("go");
    {
        let mut text = String::with_capacity(n as usize * 140);
        for i in 0..n as usize {
            fixture::announce_line(i, &mut text);
        }
        fs::write(&routes, text)?;
    }
    let exe = self_exe()?;
    let mut conf = format!(
        "process feed {{\n    run {} feed {} {};\n    encoder text;\n}}\n",
        exe.display(),
        routes.display(),
        go.display()
    );
    neighbor(
        &mut conf,
        PEER,
        &format!(
            "    api {{\n        processes [ feed ];\n    }}\n{}",
            o.neighbor_extra
        ),
    );
    let (port, ls) = listen_all(&[PEER])?;
    let mut d = start(o, &dir, &conf, port)?;
    let stream = accept(&ls[0], &mut d, Instant::now() + Duration::from_secs(60))?;
    let mut s = peer::handshake(stream, PEER)?;
    // The feeder has its lines in memory before the clock starts.
    let ready = ready_file(&go);
    let wait = Instant::now();
    while !ready.exists() {
        if wait.elapsed() > Duration::from_secs(120) {
            return Err(err("the feed process never got ready"));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let cpu0 = d.cpu_s();
    let t0 = Instant::now();
    fs::write(&go, b"go")?;
    let st = peer::sink(&mut s, n, t0 + o.timeout)?;
    let cpu = d.cpu_s() - cpu0;
    let peak = d.peak_rss_kb();
    d.stop();
    let end = st.last.unwrap_or(t0);
    let wall = end.duration_since(t0).as_secs_f64();
    let first_to_last = match (st.first, st.last) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    let rate = if wall > 0.0 {
        st.prefixes as f64 / wall
    } else {
        0.0
    };
    let json = format!(
        "{{\"scenario\":\"announce\",\"sut\":\"{}\",\"n\":{n},\"received\":{},\"updates\":{},\"wall_s\":{},\"first_to_last_s\":{},\"routes_per_s\":{:.0},\"peak_rss_kb\":{peak},\"cpu_s\":{},\"load\":\"{}\"}}",
        o.sut.name(),
        st.prefixes,
        st.updates,
        f3(wall),
        f3(first_to_last),
        rate,
        f3(cpu),
        sut::loadavg()
    );
    if st.prefixes < n {
        eprintln!(
            "warning: only {} of {n} prefixes arrived before the timeout",
            st.prefixes
        );
    }
    Ok(AnnounceResult {
        json,
        routes_per_s: rate,
    })
}

// ---------------------------------------------------------------- receive

/// `count N OUT`: the API process of `receive`. Counts prefixes in the JSON
/// documents on stdin; when N have been seen writes `first_ns last_ns count`
/// to OUT, then keeps draining stdin until the daemon closes it.
pub fn count(n: u64, out: &Path) -> io::Result<()> {
    const NEEDLE: &[u8] = b"\"nlri\"";
    // A slow monitor: start reading late (inherited through the daemon).
    if let Some(ms) = std::env::var("OXBGP_BENCH_READER_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    let mut seen = 0u64;
    let mut first = 0u128;
    let mut written = false;
    let mut total = 0u64;
    loop {
        let r = stdin.read(&mut buf[carry..])?;
        if r == 0 {
            return Ok(());
        }
        let len = carry + r;
        let hits = buf[..len]
            .windows(NEEDLE.len())
            .filter(|w| *w == NEEDLE)
            .count() as u64;
        if hits > 0 && first == 0 {
            first = now_ns();
        }
        seen += hits;
        // Keep the last bytes (shorter than the needle, so never a whole
        // match) in case a needle straddles two reads.
        carry = (NEEDLE.len() - 1).min(len);
        buf.copy_within(len - carry..len, 0);
        total += r as u64;
        if seen >= n && !written {
            let tmp = out.with_extension("tmp");
            fs::write(
                &tmp,
                format!("{first} {} {seen} {total} {:.3}\n", now_ns(), self_cpu_s()),
            )?;
            fs::rename(&tmp, out)?;
            written = true;
        }
    }
}

/// CPU seconds used by this process (for the counting process's report).
fn self_cpu_s() -> f64 {
    // SAFETY: getrusage fills a local struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

pub fn receive(o: &Opts, n: u64) -> io::Result<String> {
    let dir = Workdir::new("receive", o.keep)?;
    let done = dir.path("count.out");
    let exe = self_exe()?;
    let mut conf = format!(
        "process count {{\n    run {} count {n} {};\n    encoder json;\n}}\n",
        exe.display(),
        done.display()
    );
    neighbor(
        &mut conf,
        PEER,
        &format!(
            "    api {{\n        processes [ count ];\n        receive {{\n            parsed;\n            update;\n        }}\n    }}\n{}",
            o.neighbor_extra
        ),
    );
    let (port, ls) = listen_all(&[PEER])?;
    let mut d = start(o, &dir, &conf, port)?;
    let stream = accept(&ls[0], &mut d, Instant::now() + Duration::from_secs(60))?;
    let mut s = peer::handshake(stream, PEER)?;
    // Full-size UPDATEs: 10,000 routes per attribute set packs ~1,000 /24s
    // into each 4096-octet message.
    let per_set = o.per_set.unwrap_or(10_000);
    let msgs = fixture::packed_updates(n as usize, per_set, &s.ctx);
    let updates = msgs.len();
    let mut blob = Vec::with_capacity(msgs.iter().map(|m| m.len()).sum());
    for m in &msgs {
        blob.extend_from_slice(m);
    }
    drop(msgs);
    // Drain what the daemon sends while we blast (KEEPALIVEs, End-of-RIB).
    let mut rd = s.stream.try_clone()?;
    let drain = std::thread::spawn(move || {
        let mut b = vec![0u8; 65536];
        while matches!(rd.read(&mut b), Ok(n) if n > 0) {}
    });
    let cpu0 = d.cpu_s();
    let t0 = now_ns();
    let t0i = Instant::now();
    s.stream.write_all(&blob)?;
    let sent_s = t0i.elapsed().as_secs_f64();
    let mut last_ka = Instant::now();
    let result = loop {
        if let Ok(text) = fs::read_to_string(&done) {
            break Some(text);
        }
        if t0i.elapsed() > o.timeout || !d.alive() {
            break None;
        }
        if last_ka.elapsed() > Duration::from_secs(20) {
            s.stream.write_all(&peer::keepalive())?;
            last_ka = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let cpu = d.cpu_s() - cpu0;
    let peak = d.peak_rss_kb();
    d.stop();
    let _ = s.stream.shutdown(std::net::Shutdown::Both);
    let _ = drain.join();
    let Some(text) = result else {
        return Err(err(format!(
            "the counting process did not see {n} prefixes in time"
        )));
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let f: Vec<u128> = words
        .iter()
        .take(4)
        .filter_map(|x| x.parse().ok())
        .collect();
    let json_bytes = f.get(3).copied().unwrap_or(0);
    let counter_cpu = words.get(4).copied().unwrap_or("0");
    let (last, seen) = (
        f.get(1).copied().unwrap_or(t0),
        f.get(2).copied().unwrap_or(0),
    );
    let wall = last.saturating_sub(t0) as f64 / 1e9;
    let rate = if wall > 0.0 { n as f64 / wall } else { 0.0 };
    Ok(format!(
        "{{\"scenario\":\"receive\",\"sut\":\"{}\",\"n\":{n},\"counted\":{seen},\"updates\":{},\"send_s\":{},\"wall_s\":{},\"prefixes_per_s\":{rate:.0},\"peak_rss_kb\":{peak},\"cpu_s\":{},\"json_bytes\":{json_bytes},\"counter_cpu_s\":{counter_cpu},\"load\":\"{}\"}}",
        o.sut.name(),
        updates,
        f3(sent_s),
        f3(wall),
        f3(cpu),
        sut::loadavg()
    ))
}

// ---------------------------------------------------------------- sessions

fn session_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 2 + (i % 250) as u8)
}

pub const SESSION_ROUTES: u64 = 3;

pub fn sessions(o: &Opts, m: usize) -> io::Result<String> {
    let nofile = sut::raise_nofile();
    if (nofile as usize) < 2 * m + 100 {
        eprintln!("warning: RLIMIT_NOFILE is {nofile}, too low for {m} sessions");
    }
    let dir = Workdir::new("sessions", o.keep)?;
    let addrs: Vec<Ipv4Addr> = (0..m).map(session_addr).collect();
    let mut conf = String::new();
    let mut statics = String::from("    static {\n");
    for r in 0..SESSION_ROUTES as usize {
        let _ = writeln!(
            statics,
            "        route {} next-hop {};",
            fixture::prefix_text(r),
            fixture::NEXT_HOP
        );
    }
    statics.push_str("    }\n");
    for a in &addrs {
        neighbor(&mut conf, *a, &statics);
    }
    let (port, ls) = listen_all(&addrs)?;
    let mut d = start(o, &dir, &conf, port)?;
    let t0 = Instant::now();
    let up = Arc::new(AtomicU64::new(0));
    let routes = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ending = Arc::new(AtomicBool::new(false));
    let deadline = t0 + o.timeout;
    let mut threads = Vec::new();
    for (i, l) in ls.into_iter().enumerate() {
        let (up, routes, failed, stop) = (up.clone(), routes.clone(), failed.clone(), stop.clone());
        let ending = ending.clone();
        let h = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let r = (|| -> io::Result<()> {
                    l.set_nonblocking(true)?;
                    let stream = loop {
                        match l.accept() {
                            Ok((s, _)) => break s,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                if stop.load(Ordering::Relaxed) || Instant::now() > deadline {
                                    return Err(err("not connected"));
                                }
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            Err(e) => return Err(e),
                        }
                    };
                    stream.set_nonblocking(false)?;
                    drop(l);
                    let mut s: Session = peer::handshake(stream, session_addr(i))?;
                    up.fetch_add(1, Ordering::Relaxed);
                    let st = peer::sink(&mut s, SESSION_ROUTES, deadline)?;
                    routes.fetch_add(st.prefixes, Ordering::Relaxed);
                    peer::idle(&mut s, &|| stop.load(Ordering::Relaxed))
                })();
                if r.is_err() && !ending.load(Ordering::Relaxed) {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            })?;
        threads.push(h);
    }
    let want = m as u64;
    while (up.load(Ordering::Relaxed) < want
        || routes.load(Ordering::Relaxed) < want * SESSION_ROUTES)
        && Instant::now() < deadline
        && d.alive()
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let setup = t0.elapsed().as_secs_f64();
    let cpu_setup = d.cpu_s();
    // Let allocations settle, then watch the idle sessions for a while.
    std::thread::sleep(Duration::from_secs(3));
    let cpu0 = d.cpu_s();
    let idle = Duration::from_secs(o.secs.min(30));
    std::thread::sleep(idle);
    let cpu_idle = d.cpu_s() - cpu0;
    let rss = d.rss_kb();
    let peak = d.peak_rss_kb();
    // Peers losing their session from here on are not failures.
    ending.store(true, Ordering::Relaxed);
    d.stop();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let est = up.load(Ordering::Relaxed);
    Ok(format!(
        "{{\"scenario\":\"sessions\",\"sut\":\"{}\",\"m\":{m},\"established\":{est},\"routes\":{},\"failed\":{},\"setup_s\":{},\"rss_kb\":{rss},\"peak_rss_kb\":{peak},\"rss_per_session_kb\":{:.1},\"cpu_s_setup\":{},\"idle_s\":{},\"idle_cpu_pct\":{:.2},\"load\":\"{}\"}}",
        o.sut.name(),
        routes.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        f3(setup),
        rss as f64 / est.max(1) as f64,
        f3(cpu_setup),
        idle.as_secs(),
        cpu_idle * 100.0 / idle.as_secs_f64(),
        sut::loadavg()
    ))
}

// ---------------------------------------------------------------- idle

pub fn idle(o: &Opts) -> io::Result<String> {
    let dir = Workdir::new("idle", o.keep)?;
    let mut conf = String::new();
    neighbor(&mut conf, PEER, &o.neighbor_extra);
    let (port, ls) = listen_all(&[PEER])?;
    let mut d = start(o, &dir, &conf, port)?;
    let stream = accept(&ls[0], &mut d, Instant::now() + Duration::from_secs(60))?;
    let mut s = peer::handshake(stream, PEER)?;
    let stop = Arc::new(AtomicBool::new(false));
    let st = stop.clone();
    let h = std::thread::spawn(move || {
        let _ = peer::idle(&mut s, &|| st.load(Ordering::Relaxed));
    });
    std::thread::sleep(Duration::from_secs(1));
    let cpu0 = d.cpu_s();
    let t = Instant::now();
    let mut max_rss = 0;
    while t.elapsed() < Duration::from_secs(o.secs) {
        std::thread::sleep(Duration::from_millis(500));
        max_rss = max_rss.max(d.rss_kb());
    }
    let cpu = d.cpu_s() - cpu0;
    let rss = d.rss_kb();
    let peak = d.peak_rss_kb();
    let alive = d.alive();
    d.stop();
    stop.store(true, Ordering::Relaxed);
    let _ = h.join();
    Ok(format!(
        "{{\"scenario\":\"idle\",\"sut\":\"{}\",\"secs\":{},\"alive\":{alive},\"rss_kb\":{rss},\"max_sampled_rss_kb\":{max_rss},\"peak_rss_kb\":{peak},\"cpu_s\":{},\"cpu_pct\":{:.3},\"load\":\"{}\"}}",
        o.sut.name(),
        o.secs,
        f3(cpu),
        cpu * 100.0 / o.secs as f64,
        sut::loadavg()
    ))
}

// ---------------------------------------------------------------- rib

/// Bytes per route in an Adj-RIB-Out holding `n` IPv4 routes, `per_set`
/// routes per attribute set, measured with the counting allocator.
pub fn rib(n: u64, per_set: usize) -> String {
    let per_set = per_set.max(1);
    let base = alloc::live();
    let mut rib = AdjRibOut::new(true);
    let sets = (n as usize).div_ceil(per_set);
    let ids: Vec<_> = (0..sets)
        .map(|s| {
            rib.intern(RouteAttributes {
                attributes: fixture::attributes(s),
                next_hop: NextHop::Ip(IpAddr::V4(fixture::NEXT_HOP)),
            })
        })
        .collect();
    let ids_bytes = ids.capacity() * std::mem::size_of_val(&ids[0]);
    for i in 0..n as usize {
        rib.announce_id(Family::IPV4_UNICAST, fixture::nlri(i), ids[i / per_set]);
    }
    // The bench's own id vector is not part of the RIB.
    let queued = alloc::live() - base - ids_bytes;
    alloc::reset_peak();
    let batches = rib.drain(true, true);
    let nb = batches.len();
    drop(batches);
    let drain_peak = alloc::peak().saturating_sub(base + ids_bytes);
    let steady = alloc::live() - base - ids_bytes;
    let len = rib.len();
    drop(rib);
    format!(
        "{{\"scenario\":\"rib\",\"n\":{n},\"per_set\":{per_set},\"attr_sets\":{sets},\"routes\":{len},\"batches\":{nb},\"queued_bytes\":{queued},\"queued_bytes_per_route\":{:.1},\"steady_bytes\":{steady},\"bytes_per_route\":{:.1},\"drain_peak_bytes_per_route\":{:.1},\"size_of_nlri\":{},\"size_of_route_attributes\":{},\"size_of_attribute\":{}}}",
        queued as f64 / n.max(1) as f64,
        steady as f64 / n.max(1) as f64,
        drain_peak as f64 / n.max(1) as f64,
        std::mem::size_of::<oxbgp_core::wire::Nlri>(),
        std::mem::size_of::<RouteAttributes>(),
        std::mem::size_of::<oxbgp_core::wire::Attribute>(),
    )
}
