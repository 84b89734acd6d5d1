//! `oxbgp decode`: hex BGP message → the JSON document ExaBGP sends to a JSON API
//! process (session context of FORMAT.md §5.2: iBGP AS 65533, 127.0.0.1 both
//! ends, router-id 10.0.0.2, 4-octet AS, only the given family).

use clap::Args;
use oxbgp_core::api::decode::{decode, DecodeKind};
use oxbgp_core::wire::Family;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// The family of an UPDATE or NLRI, e.g. "ipv4 unicast" (default ipv4 unicast).
    #[arg(short = 'f', long = "family")]
    pub family: Option<String>,
    /// The hex is an OPEN message.
    #[arg(long, conflicts_with_all = ["update", "nlri"])]
    pub open: bool,
    /// The hex is an UPDATE (with header, or the body of one UPDATE) — the default.
    #[arg(long, conflicts_with = "nlri")]
    pub update: bool,
    /// The hex is NLRI of the family only.
    #[arg(short = 'n', long)]
    pub nlri: bool,
    /// The message in hexadecimal (spaces and colons are ignored).
    #[arg(required = true)]
    pub hex: Vec<String>,
}

pub fn main(args: DecodeArgs) -> ExitCode {
    let family = match args.family.as_deref() {
        None => None,
        Some(f) => {
            let words: Vec<&str> = f.split_whitespace().collect();
            match words.as_slice() {
                [afi, safi, ..] => match Family::from_names(afi, safi) {
                    Some(fam) => Some(fam),
                    None => {
                        eprintln!("error: unknown family {f:?} (expected e.g. \"ipv4 unicast\")");
                        return ExitCode::from(1);
                    }
                },
                _ => {
                    eprintln!("error: --family takes \"AFI SAFI\", e.g. \"ipv6 unicast\"");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let kind = if args.open {
        DecodeKind::Open
    } else if args.nlri {
        DecodeKind::Nlri
    } else {
        DecodeKind::Update
    };
    let hex = args.hex.concat();
    match decode(kind, family, &hex) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
