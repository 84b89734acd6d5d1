//! oxbgp benchmarks: micro benches of the core's hot paths, and macro
//! scenarios through the real daemon (oxbgp or ExaBGP) on loopback.
//! See `benches/README.md`. Nothing here asserts on timing.

mod alloc;
mod fixture;
mod harness;
mod micro;
mod nom_compare;
mod peer;
mod scenario;
mod sut;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

use scenario::Opts;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage:
  oxbgp-benches micro [NAME] [--once]           (decode-1 decode-500 decode-nom-1 decode-nom-500 decode-nom-nlri-500
                                                encode-pack api-parse api-parse-tokens api-announce json-encode framer)
  oxbgp-benches announce [--n N] [--sut oxbgp|exabgp] [--sut-bin PATH]
  oxbgp-benches announce-scaling [--sut ..]
  oxbgp-benches receive [--n N] [--sut ..] [--per-set K]
  oxbgp-benches sessions [--n M] [--secs S]
  oxbgp-benches idle [--secs S] [--sut ..]
  oxbgp-benches rib [--n N] [--per-set K]
common: --timeout SECS (default 600), --keep (keep the work directory and daemon log),
        --neighbor-extra 'STATEMENT;' (added to the generated neighbor block, e.g. 'adj-rib-in false;')
internal (API processes): feed ROUTES GO | count N OUT";

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        n: None,
        sut: sut::Kind::Oxbgp,
        sut_bin: None,
        per_set: None,
        secs: 30,
        timeout: Duration::from_secs(600),
        keep: false,
        neighbor_extra: String::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--n" | "--m" => o.n = Some(val()?.parse().map_err(|e| format!("{a}: {e}"))?),
            "--sut" => {
                let v = val()?;
                o.sut = sut::Kind::parse(&v).ok_or(format!("unknown --sut {v}"))?;
            }
            "--sut-bin" => o.sut_bin = Some(PathBuf::from(val()?)),
            "--per-set" => o.per_set = Some(val()?.parse().map_err(|e| format!("{a}: {e}"))?),
            "--secs" => o.secs = val()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--timeout" => {
                o.timeout = Duration::from_secs(val()?.parse().map_err(|e| format!("{a}: {e}"))?)
            }
            "--keep" => o.keep = true,
            "--neighbor-extra" => {
                let v = val()?;
                o.neighbor_extra.push_str(&format!("    {v}\n"));
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(o)
}

fn run(args: &[String]) -> Result<(), String> {
    let cmd = args.first().map(String::as_str).unwrap_or("");
    let rest = args.get(1..).unwrap_or(&[]);
    let io = |e: std::io::Error| e.to_string();
    match cmd {
        "micro" => {
            // `--once`: one iteration, no timing (for callgrind / valgrind).
            let once = rest.iter().any(|a| a == "--once");
            let name = rest.iter().find(|a| *a != "--once").map(String::as_str);
            for m in micro::run(name, once)? {
                if once {
                    println!("{}: {} items", m.name, m.items_per_op);
                }
            }
            Ok(())
        }
        "feed" => match rest {
            [routes, go] => scenario::feed(routes.as_ref(), go.as_ref()).map_err(io),
            _ => Err("feed ROUTES GO".into()),
        },
        "count" => match rest {
            [n, out] => {
                let n = n.parse().map_err(|e| format!("count: {e}"))?;
                scenario::count(n, out.as_ref()).map_err(io)
            }
            _ => Err("count N OUT".into()),
        },
        "announce" => {
            let o = parse_opts(rest)?;
            let r = scenario::announce(&o, o.n.unwrap_or(1_000_000)).map_err(io)?;
            println!("{}", r.json);
            Ok(())
        }
        "announce-scaling" => {
            let o = parse_opts(rest)?;
            let mut points = Vec::new();
            for n in [10_000u64, 100_000, 1_000_000] {
                let r = scenario::announce(&o, n).map_err(io)?;
                println!("{}", r.json);
                points.push(format!("[{n},{:.0}]", r.routes_per_s));
            }
            println!(
                "{{\"scenario\":\"announce-scaling\",\"sut\":\"{}\",\"routes_per_s\":[{}]}}",
                o.sut.name(),
                points.join(",")
            );
            Ok(())
        }
        "receive" => {
            let o = parse_opts(rest)?;
            let line = scenario::receive(&o, o.n.unwrap_or(1_000_000)).map_err(io)?;
            println!("{line}");
            Ok(())
        }
        "sessions" => {
            let o = parse_opts(rest)?;
            let line = scenario::sessions(&o, o.n.unwrap_or(2_000) as usize).map_err(io)?;
            println!("{line}");
            Ok(())
        }
        "idle" => {
            let o = parse_opts(rest)?;
            println!("{}", scenario::idle(&o).map_err(io)?);
            Ok(())
        }
        "rib" => {
            let o = parse_opts(rest)?;
            println!(
                "{}",
                scenario::rib(o.n.unwrap_or(1_000_000), o.per_set.unwrap_or(10))
            );
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
