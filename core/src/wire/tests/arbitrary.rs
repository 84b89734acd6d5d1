//! `quickcheck::Arbitrary` for the message types of this half of the codec.

use crate::wire::capability::{AddPathMode, Capability, GracefulRestartFamily};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::notification::Notification;
use crate::wire::open::Open;
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
use bytes::Bytes;
use quickcheck::{Arbitrary, Gen};
use std::net::Ipv4Addr;

fn family(g: &mut Gen) -> Family {
    Family::new(Afi(u16::arbitrary(g)), Safi(u8::arbitrary(g)))
}

fn small_vec<T>(g: &mut Gen, max: usize, f: impl Fn(&mut Gen) -> T) -> Vec<T> {
    let n = usize::arbitrary(g) % (max + 1);
    (0..n).map(|_| f(g)).collect()
}

/// A string of at most `max` octets (any Unicode).
fn string(g: &mut Gen, max: usize) -> String {
    let s = String::arbitrary(g);
    crate::wire::capability::truncate_utf8(&s, max).to_owned()
}

fn bytes(g: &mut Gen, max: usize) -> Bytes {
    Bytes::from(small_vec(g, max, u8::arbitrary))
}

impl Arbitrary for AddPathMode {
    fn arbitrary(g: &mut Gen) -> Self {
        *g.choose(&[AddPathMode::Receive, AddPathMode::Send, AddPathMode::Both])
            .unwrap()
    }
}

/// Codes decoded as a known variant, so `Unknown` must avoid them.
const KNOWN: [u8; 11] = [1, 2, 5, 6, 64, 65, 69, 70, 73, 75, 128];

impl Arbitrary for Capability {
    fn arbitrary(g: &mut Gen) -> Self {
        match u8::arbitrary(g) % 12 {
            0 => Capability::Multiprotocol(family(g)),
            1 => Capability::RouteRefresh,
            2 => Capability::ExtendedNextHop(small_vec(g, 6, |g| {
                (family(g), Afi(u16::arbitrary(g)))
            })),
            3 => Capability::ExtendedMessage,
            4 => Capability::GracefulRestart {
                restart_state: bool::arbitrary(g),
                notification: bool::arbitrary(g),
                restart_time: u16::arbitrary(g) & 0x0FFF,
                families: small_vec(g, 8, |g| GracefulRestartFamily {
                    family: family(g),
                    forwarding: bool::arbitrary(g),
                }),
            },
            5 => Capability::FourOctetAs(u32::arbitrary(g)),
            6 => Capability::AddPath(small_vec(g, 8, |g| (family(g), AddPathMode::arbitrary(g)))),
            7 => Capability::EnhancedRouteRefresh,
            8 => Capability::Fqdn {
                host_name: string(g, 64),
                domain_name: string(g, 64),
            },
            9 => Capability::SoftwareVersion(string(g, 254)),
            10 => Capability::CiscoRouteRefresh,
            _ => {
                let mut code = u8::arbitrary(g);
                while KNOWN.contains(&code) {
                    code = code.wrapping_add(1);
                }
                Capability::Unknown {
                    code,
                    data: bytes(g, 40),
                }
            }
        }
    }
}

impl Arbitrary for Open {
    fn arbitrary(g: &mut Gen) -> Self {
        // Up to 40 capabilities: enough to cross the 255-octet RFC 9072
        // threshold now and then.
        Open {
            version: 4,
            my_as: u16::arbitrary(g),
            hold_time: u16::arbitrary(g),
            bgp_id: Ipv4Addr::from(u32::arbitrary(g)),
            capabilities: small_vec(g, 40, Capability::arbitrary),
        }
    }
}

impl Arbitrary for Notification {
    fn arbitrary(g: &mut Gen) -> Self {
        Notification::new(u8::arbitrary(g), u8::arbitrary(g), bytes(g, 300))
    }
}

impl Arbitrary for RefreshSubtype {
    fn arbitrary(g: &mut Gen) -> Self {
        RefreshSubtype::from_code(u8::arbitrary(g))
    }
}

impl Arbitrary for RouteRefresh {
    fn arbitrary(g: &mut Gen) -> Self {
        RouteRefresh::new(family(g), RefreshSubtype::arbitrary(g))
    }
}
