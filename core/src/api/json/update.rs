//! The `update` message (reference §4.3): attributes, announcements grouped by
//! family then next hop, withdrawals grouped by family, and End-of-RIB markers.

use super::ascii::{Block, PIECE};
use super::attribute::write_attributes;
use super::envelope::{begin, end, neighbor_begin, neighbor_content, neighbor_end};
use super::nlri::{v4_element, write_nlri_nh};
use super::{push_ip, Envelope, Neighbor, Raw};
use crate::wire::attribute::Attribute;
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use crate::wire::update::Update;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Rendering options of an UPDATE.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct UpdateOptions<'a> {
    /// `exabgp.api.compact`: prefixes without path-id as bare strings.
    pub compact: bool,
    /// RFC 7606 outcome shown as `"error": "..."` inside `attribute`
    /// (`treat-as-withdraw`, `treat-as-withdraw due to med`, `discard`).
    pub error: Option<&'a str>,
    /// Raw header/body to print (api `packets`/`consolidate`).
    pub raw: Option<Raw<'a>>,
    /// The session accepts AIGP (neighbor `aigp enable`, RFC 7311 §3.2);
    /// ExaBGP ignores the attribute otherwise.
    pub aigp: bool,
    /// A `"negotiated": {...}` object (already rendered) to append after
    /// `message` (api `negotiated`, reference §4.3).
    pub negotiated: Option<&'a str>,
}

/// The whole JSON document for an UPDATE.
pub fn update(env: &Envelope<'_>, nb: &Neighbor, u: &Update, opts: &UpdateOptions<'_>) -> String {
    let mut s = String::with_capacity(size_hint(u));
    write_update(&mut s, env, nb, u, opts);
    s
}

/// Append the JSON document for an UPDATE to `out` (no newline).
pub fn write_update(
    out: &mut String,
    env: &Envelope<'_>,
    nb: &Neighbor,
    u: &Update,
    opts: &UpdateOptions<'_>,
) {
    out.reserve(size_hint(u));
    begin(out, env, "update", true, opts.raw);
    neighbor_begin(out, nb, true);
    neighbor_content(out);
    out.push_str("\"message\": ");
    write_update_message(out, u, opts);
    if let Some(n) = opts.negotiated {
        out.push_str(", \"negotiated\": ");
        out.push_str(n);
    }
    neighbor_end(out);
    end(out);
}

/// The End-of-RIB family if `u` is an EoR marker (RFC 4724 §2): an empty UPDATE
/// for IPv4 unicast, or one carrying only an empty MP_UNREACH_NLRI.
pub fn end_of_rib(u: &Update) -> Option<Family> {
    if !u.withdrawn.is_empty() || !u.announced.is_empty() || u.mp_reach.is_some() {
        return None;
    }
    if !u.attributes.is_empty() {
        return None;
    }
    match &u.mp_unreach {
        None => Some(Family::IPV4_UNICAST),
        Some(m) if m.nlri.is_empty() => Some(m.family),
        Some(_) => None,
    }
}

/// How ExaBGP names an AFI/SAFI in JSON (numbers when unknown).
fn push_family_words(out: &mut String, f: Family, sep: &str) {
    match f.afi.name() {
        Some(a) => out.push_str(a),
        None => {
            let _ = write!(out, "{}", f.afi.0);
        }
    }
    out.push_str(sep);
    match f.safi.name() {
        Some(s) => out.push_str(s),
        None => {
            let _ = write!(out, "{}", f.safi.0);
        }
    }
}

/// One announced group: its family, next hop, and NLRI.
struct Group<'a> {
    family: Family,
    next_hop: Option<IpAddr>,
    nlri: &'a [Nlri],
}

/// Append the elements of `nlri`, `, `-separated; `first` says whether
/// nothing has been written to the list yet.
///
/// IPv4 prefixes (all of a typical table) are rendered into a stack block
/// that is checked as UTF-8 and copied out once per kilobyte, rather than
/// number by number.
fn write_list(
    out: &mut String,
    nlri: &[Nlri],
    compact: bool,
    nh: Option<IpAddr>,
    first: &mut bool,
) {
    let mut block = Block::new();
    for n in nlri {
        if let Nlri::Prefix {
            prefix: Prefix::V4 { addr, len },
            path_id,
        } = n
        {
            if block.room() < PIECE {
                flush(out, &mut block);
            }
            v4_element(&mut block, *addr, *len, *path_id, compact, *first);
            *first = false;
            continue;
        }
        flush(out, &mut block);
        let mark = out.len();
        if !*first {
            out.push_str(", ");
        }
        if write_nlri_nh(out, n, compact, nh) {
            *first = false;
        } else {
            out.truncate(mark);
        }
    }
    flush(out, &mut block);
}

/// Move the rendered block into `out` (only ASCII is written to it).
fn flush(out: &mut String, block: &mut Block) {
    if !block.is_empty() {
        out.push_str(block.as_str());
        block.clear();
    }
}

/// About how long the JSON of `u` is: the envelope and attributes, then
/// `{ "nlri": "10.0.0.0/24" }, ` (28 octets) per element, so that the output
/// grows once, not by doubling.
fn size_hint(u: &Update) -> usize {
    let reach = u
        .mp_reach
        .as_ref()
        .map_or(0, |m| m.nlri.len() * m.next_hops.len().max(1));
    let unreach = u.mp_unreach.as_ref().map_or(0, |m| m.nlri.len());
    1024 + 30 * (u.announced.len() + u.withdrawn.len() + reach + unreach)
}

/// `{ "update": { ... } }` or `{ "eor": { ... } }`: the value of `"message"`.
pub(crate) fn write_update_message(out: &mut String, u: &Update, opts: &UpdateOptions<'_>) {
    // RFC 7606 outcomes (the decoder already moved treat-as-withdraw NLRI to
    // the withdrawals); ExaBGP says so in the attributes.
    let mut opts = *opts;
    if opts.error.is_none() {
        if u.treat_as_withdraw {
            opts.error = Some("treat-as-withdraw");
        } else if u
            .issues
            .iter()
            .any(|i| i.action == crate::wire::attribute::ErrorAction::AttributeDiscard)
        {
            // RFC 7606 attribute-discard: ExaBGP says `"error": "discard"`.
            opts.error = Some("discard");
        }
    }
    let opts = &opts;
    if opts.error.is_none() {
        if let Some(f) = end_of_rib(u) {
            out.push_str("{ \"eor\": { \"afi\" : \"");
            push_family_words(out, f, "\", \"safi\" : \"");
            out.push_str("\" } }");
            return;
        }
    }
    out.push_str("{ \"update\": { ");
    let mut need_sep = false;
    if !u.attributes.is_empty() || opts.error.is_some() {
        write_attributes(out, &u.attributes, opts.error, opts.aigp);
        need_sep = true;
    }

    // Announcements: classic NLRI first, then MP_REACH_NLRI. ExaBGP makes one
    // route per next hop, so with a global and a link-local next hop (RFC 2545
    // §3) every NLRI is listed under both.
    let classic_nh = u.attributes.iter().find_map(|a| match a {
        Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
        _ => None,
    });
    let mut groups: smallvec::SmallVec<[Group<'_>; 3]> = smallvec::SmallVec::new();
    if !u.announced.is_empty() {
        groups.push(Group {
            family: Family::IPV4_UNICAST,
            next_hop: classic_nh,
            nlri: &u.announced,
        });
    }
    if let Some(mp) = &u.mp_reach {
        if !mp.nlri.is_empty() {
            if mp.next_hops.is_empty() {
                groups.push(Group {
                    family: mp.family,
                    next_hop: None,
                    nlri: &mp.nlri,
                });
            }
            for nh in &mp.next_hops {
                groups.push(Group {
                    family: mp.family,
                    next_hop: Some(*nh),
                    nlri: &mp.nlri,
                });
            }
        }
    }
    if !groups.is_empty() {
        let mark = out.len();
        if need_sep {
            out.push_str(", ");
        }
        out.push_str("\"announce\": { ");
        let mut any_family = false;
        let mut i = 0;
        while i < groups.len() {
            let fam = groups[i].family;
            let fam_mark = out.len();
            if any_family {
                out.push_str(", ");
            }
            out.push('"');
            push_family_words(out, fam, " ");
            out.push_str("\": { ");
            // Consecutive groups of the same family share the family object;
            // the same next hop shares the list.
            let mut j = i;
            let mut any_nh = false;
            while j < groups.len() && groups[j].family == fam {
                let nh = groups[j].next_hop;
                let nh_mark = out.len();
                if any_nh {
                    out.push_str(", ");
                }
                out.push('"');
                match nh {
                    Some(ip) => push_ip(out, ip),
                    None => out.push_str("no-nexthop"),
                }
                out.push_str("\": [ ");
                let mut first = true;
                while j < groups.len() && groups[j].family == fam && groups[j].next_hop == nh {
                    write_list(out, groups[j].nlri, opts.compact, nh, &mut first);
                    j += 1;
                }
                if first {
                    // Nothing ExaBGP would show (invalid FlowSpec rules).
                    out.truncate(nh_mark);
                } else {
                    out.push_str(" ]");
                    any_nh = true;
                }
            }
            if any_nh {
                out.push_str(" }");
                any_family = true;
            } else {
                out.truncate(fam_mark);
            }
            i = j;
        }
        if any_family {
            out.push_str(" }");
            need_sep = true;
        } else {
            out.truncate(mark);
        }
    }

    // Withdrawals: classic withdrawn routes first, then MP_UNREACH_NLRI.
    let mut wgroups: smallvec::SmallVec<[(Family, &[Nlri]); 2]> = smallvec::SmallVec::new();
    if !u.withdrawn.is_empty() {
        wgroups.push((Family::IPV4_UNICAST, &u.withdrawn));
    }
    if let Some(mp) = &u.mp_unreach {
        if !mp.nlri.is_empty() {
            wgroups.push((mp.family, &mp.nlri));
        }
    }
    if !wgroups.is_empty() {
        let mark = out.len();
        if need_sep {
            out.push_str(", ");
        }
        out.push_str("\"withdraw\": { ");
        let mut any_family = false;
        let mut i = 0;
        while i < wgroups.len() {
            let fam = wgroups[i].0;
            let fam_mark = out.len();
            if any_family {
                out.push_str(", ");
            }
            out.push('"');
            push_family_words(out, fam, " ");
            out.push_str("\": [ ");
            let mut first = true;
            while i < wgroups.len() && wgroups[i].0 == fam {
                write_list(out, wgroups[i].1, opts.compact, None, &mut first);
                i += 1;
            }
            if first {
                out.truncate(fam_mark);
            } else {
                out.push_str(" ]");
                any_family = true;
            }
        }
        if any_family {
            out.push_str(" }");
        } else {
            out.truncate(mark);
        }
    }
    out.push_str(" } }");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::attribute::{Attributes, Origin};
    use crate::wire::nlri::Prefix;
    use crate::wire::update::{MpReach, MpUnreach};
    use std::net::Ipv4Addr;

    fn env() -> Envelope<'static> {
        Envelope {
            time: 1.5,
            host: "vm",
            pid: 10,
            ppid: 9,
            counter: 1,
        }
    }

    fn nb() -> Neighbor {
        Neighbor {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.1".parse().unwrap(),
            local_as: 65533,
            peer_as: Some(65533),
            router_id: Some(Ipv4Addr::new(10, 0, 0, 2)),
            direction: super::super::Direction::In,
        }
    }

    fn p(s: &str, l: u8) -> Nlri {
        Nlri::prefix(Prefix::truncating(s.parse().unwrap(), l).unwrap())
    }

    #[test]
    fn announce_exact_text() {
        let mut a = Attributes::new();
        a.set(Attribute::Origin(Origin::Igp));
        a.set(Attribute::NextHop(Ipv4Addr::new(101, 1, 101, 1)));
        a.set(Attribute::LocalPref(100));
        let u = Update {
            attributes: a,
            announced: vec![p("1.1.0.0", 24), p("1.2.0.0", 24)],
            ..Default::default()
        };
        assert_eq!(
            update(&env(), &nb(), &u, &UpdateOptions::default()),
            r#"{ "exabgp": "5.0.0", "time": 1.5, "host" : "vm", "pid" : 10, "ppid" : 9, "counter": 1, "type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, "asn": { "local": 65533, "peer": 65533 }, "router-id": "10.0.0.2" , "direction": "in", "message": { "update": { "attribute": { "origin": "igp", "local-preference": 100 }, "announce": { "ipv4 unicast": { "101.1.101.1": [ { "nlri": "1.1.0.0/24" }, { "nlri": "1.2.0.0/24" } ] } } } } } }"#
        );
    }

    #[test]
    fn withdraw_only_has_no_attribute_object() {
        let u = Update {
            withdrawn: vec![p("10.2.0.0", 24)],
            ..Default::default()
        };
        let mut s = String::new();
        write_update_message(&mut s, &u, &UpdateOptions::default());
        assert_eq!(
            s,
            r#"{ "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "10.2.0.0/24" } ] } } }"#
        );
    }

    #[test]
    fn end_of_rib_markers() {
        let mut s = String::new();
        write_update_message(&mut s, &Update::default(), &UpdateOptions::default());
        assert_eq!(s, r#"{ "eor": { "afi" : "ipv4", "safi" : "unicast" } }"#);
        let u = Update {
            mp_unreach: Some(MpUnreach {
                family: Family::IPV4_FLOW,
                nlri: vec![],
            }),
            ..Default::default()
        };
        s.clear();
        write_update_message(&mut s, &u, &UpdateOptions::default());
        assert_eq!(s, r#"{ "eor": { "afi" : "ipv4", "safi" : "flow" } }"#);
    }

    #[test]
    /// With a link-local next hop every NLRI is listed under both next hops (observed).
    fn mp_and_classic_groups_and_no_nexthop() {
        let mut a = Attributes::new();
        a.set(Attribute::Origin(Origin::Igp));
        let u = Update {
            attributes: a,
            announced: vec![p("10.0.0.0", 8)],
            mp_reach: Some(MpReach {
                family: Family::IPV6_UNICAST,
                next_hops: vec!["2001::1".parse().unwrap(), "fe80::1".parse().unwrap()],
                nlri: vec![p("2001:db8::", 32)],
            }),
            mp_unreach: Some(MpUnreach {
                family: Family::IPV6_UNICAST,
                nlri: vec![p("2001:db9::", 32)],
            }),
            withdrawn: vec![p("10.9.0.0", 16)],
            ..Default::default()
        };
        let mut s = String::new();
        write_update_message(
            &mut s,
            &u,
            &UpdateOptions {
                error: Some("treat-as-withdraw"),
                ..Default::default()
            },
        );
        assert_eq!(
            s,
            r#"{ "update": { "attribute": { "origin": "igp", "error": "treat-as-withdraw" }, "announce": { "ipv4 unicast": { "no-nexthop": [ { "nlri": "10.0.0.0/8" } ] }, "ipv6 unicast": { "2001::1": [ { "nlri": "2001:db8::/32" } ], "fe80::1": [ { "nlri": "2001:db8::/32" } ] } }, "withdraw": { "ipv4 unicast": [ { "nlri": "10.9.0.0/16" } ], "ipv6 unicast": [ { "nlri": "2001:db9::/32" } ] } } }"#
        );
    }

    #[test]
    fn rfc7606_outcomes_are_reported() {
        use crate::wire::attribute::{AttributeIssue, ErrorAction};
        let mut a = Attributes::new();
        a.set(Attribute::Origin(Origin::Igp));
        let mut u = Update {
            attributes: a,
            ..Default::default()
        };
        u.issues.push(AttributeIssue {
            code: 7,
            action: ErrorAction::AttributeDiscard,
            reason: String::new(),
        });
        let mut s = String::new();
        write_update_message(&mut s, &u, &UpdateOptions::default());
        // Captured from `exabgp decode` (AGGREGATOR of 6 octets on an ASN4 session).
        assert_eq!(
            s,
            r#"{ "update": { "attribute": { "origin": "igp", "error": "discard" } } }"#
        );
        u.treat_as_withdraw = true;
        s.clear();
        write_update_message(&mut s, &u, &UpdateOptions::default());
        assert_eq!(
            s,
            r#"{ "update": { "attribute": { "origin": "igp", "error": "treat-as-withdraw" } } }"#
        );
    }

    #[test]
    fn same_family_from_classic_and_mp_shares_the_family_object() {
        let mut a = Attributes::new();
        a.set(Attribute::NextHop(Ipv4Addr::new(1, 1, 1, 1)));
        let u = Update {
            attributes: a,
            announced: vec![p("10.0.0.0", 8)],
            mp_reach: Some(MpReach {
                family: Family::IPV4_UNICAST,
                next_hops: vec!["2.2.2.2".parse().unwrap()],
                nlri: vec![p("11.0.0.0", 8)],
            }),
            ..Default::default()
        };
        let mut s = String::new();
        write_update_message(&mut s, &u, &UpdateOptions::default());
        assert_eq!(
            s,
            r#"{ "update": { "attribute": {  }, "announce": { "ipv4 unicast": { "1.1.1.1": [ { "nlri": "10.0.0.0/8" } ], "2.2.2.2": [ { "nlri": "11.0.0.0/8" } ] } } } }"#
        );
    }

    /// Long lists cross the stack block many times and mix IPv4 with other
    /// NLRI: the result is still every element's own rendering, in order.
    #[test]
    fn long_mixed_lists_are_each_element_in_order() {
        let mut nlri = Vec::new();
        for i in 0..700u32 {
            if i % 97 == 0 {
                nlri.push(p("2001:db8::", 32));
            }
            nlri.push(Nlri::Prefix {
                prefix: Prefix::V4 {
                    addr: i.wrapping_mul(0x0101_0100),
                    len: 24,
                },
                path_id: (i % 5 == 0).then_some(i),
            });
        }
        for compact in [false, true] {
            let mut want = String::new();
            for (i, n) in nlri.iter().enumerate() {
                if i > 0 {
                    want.push_str(", ");
                }
                crate::api::json::write_nlri(&mut want, n, compact);
            }
            let mut got = String::new();
            let mut first = true;
            write_list(&mut got, &nlri, compact, None, &mut first);
            assert!(!first);
            assert_eq!(got, want);
        }
    }
}
