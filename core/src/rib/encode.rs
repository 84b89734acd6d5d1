//! From drained Adj-RIB-Out batches to UPDATE messages for one session, with
//! the attributes ExaBGP adds or removes on send (reference §6.3, §11.15;
//! ExaBGP `Attributes.pack`):
//!
//! * ORIGIN IGP when absent;
//! * AS_PATH when absent: empty toward iBGP, `[local-as]` toward eBGP (a
//!   configured AS_PATH is sent as is, without prepending);
//! * LOCAL_PREF 100 toward iBGP when absent; never sent toward eBGP;
//! * NEXT_HOP only when the next hop is IPv4 (whatever the family: MP routes
//!   with an IPv4 next hop carry it too, as the corpus shows);
//! * `next-hop self`: the session's local address, or the router-id for an
//!   IPv4 route on an IPv6 session.
//!
//! IPv4 unicast routes with an IPv4 next hop use the classic NLRI field; every
//! other route uses MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760).

use super::attrs::RouteAttributes;
use super::out::{AdjRibOut, Batch};
use crate::config::NextHop;
use crate::fsm::Negotiated;
use crate::wire::attribute::{
    code, AsPath, AsPathSegment, Attribute, Attributes, Origin, SegmentKind,
};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::Nlri;
use crate::wire::update::Update;
use crate::wire::update::{pack_announce, pack_withdraw, pack_withdraw_with_attributes};
use crate::wire::CodecContext;
use bytes::Bytes;
use smallvec::{smallvec, SmallVec};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// What the encoder needs to know about the session it writes for.
#[derive(Clone, Debug)]
pub struct Outbound<'a> {
    pub negotiated: &'a Negotiated,
    /// Our end of the TCP connection (for `next-hop self`).
    pub local_address: IpAddr,
    pub router_id: Ipv4Addr,
}

/// The End-of-RIB marker of `family` (RFC 4724 §2): an empty UPDATE for IPv4
/// unicast, an UPDATE with an empty MP_UNREACH_NLRI otherwise (ExaBGP writes the
/// attribute with the extended-length flag: `90 0F 0003 AFI SAFI`).
pub fn end_of_rib(family: Family, ctx: &CodecContext) -> Bytes {
    Update::end_of_rib(family).to_message(ctx)
}

/// Resolve a configured next hop for this session; None = none to send, Err =
/// the route cannot be sent on this session.
pub fn resolve_next_hop(
    nh: NextHop,
    family: Family,
    out: &Outbound<'_>,
) -> Result<Option<IpAddr>, String> {
    match nh {
        NextHop::None => Ok(None),
        NextHop::Ip(ip) => Ok(Some(ip)),
        NextHop::SelfAddress => {
            let same = matches!(
                (family.afi, out.local_address),
                (Afi::IPV4, IpAddr::V4(_)) | (Afi::IPV6, IpAddr::V6(_))
            );
            if same {
                Ok(Some(out.local_address))
            } else if family.afi == Afi::IPV4 {
                Ok(Some(IpAddr::V4(out.router_id)))
            } else {
                Err(format!(
                    "use of \"next-hop self\": the route ({family}) does not have the same family as the BGP tcp session ({})",
                    out.local_address
                ))
            }
        }
    }
}

/// ExaBGP keeps the next hop of FlowSpec and VPLS routes in MP_REACH_NLRI
/// only; every other family also gets a NEXT_HOP attribute for an IPv4 next
/// hop (as the corpus shows for VPN, labelled, MUP and MVPN routes).
pub fn carries_next_hop_attribute(family: Family) -> bool {
    !matches!(family.safi, Safi::FLOW | Safi::FLOW_VPN | Safi::VPLS)
}

/// The attribute set actually sent for `a` on this session (without MP
/// attributes), and the resolved next hop.
pub fn finalize(
    a: &RouteAttributes,
    family: Family,
    out: &Outbound<'_>,
) -> Result<(Attributes, Option<IpAddr>), String> {
    let nh = resolve_next_hop(a.next_hop, family, out)?;
    let n = out.negotiated;
    let ibgp = n.is_ibgp();
    let mut attrs = a.attributes.clone();
    if attrs.get(code::ORIGIN).is_none() {
        attrs.set(Attribute::Origin(Origin::Igp));
    }
    if attrs.get(code::AS_PATH).is_none() {
        let path = if ibgp {
            AsPath::default()
        } else {
            AsPath {
                segments: vec![AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: smallvec![n.local_as],
                }],
            }
        };
        attrs.set(Attribute::AsPath(path));
    }
    if ibgp {
        if attrs.get(code::LOCAL_PREF).is_none() {
            attrs.set(Attribute::LocalPref(100));
        }
    } else {
        attrs.remove(code::LOCAL_PREF);
    }
    match nh {
        Some(IpAddr::V4(v4)) if carries_next_hop_attribute(family) => {
            attrs.set(Attribute::NextHop(v4))
        }
        _ => {
            attrs.remove(code::NEXT_HOP);
        }
    }
    Ok((attrs, nh))
}

/// An attribute set as sent on one session, with its resolved next hop (None:
/// the route cannot be sent there).
type Finalized = Option<(Attributes, Option<IpAddr>)>;

/// UPDATE messages (whole, header included) for `batches` on this session.
/// Routes of families the session did not negotiate are dropped, as ExaBGP does.
///
/// An announcement that cannot be sent on this session (`next-hop self` for
/// an IPv6 route on an IPv4 session) goes out as a withdrawal instead: the
/// peer may hold an earlier version of the prefix (before a reload or an API
/// change), and RFC 4271 §3.1 leaves it there until replaced or withdrawn.
/// ExaBGP only logs the error and leaves the peer with the stale route.
pub fn messages(batches: Vec<Batch>, rib: &AdjRibOut, out: &Outbound<'_>) -> Vec<Bytes> {
    let ctx = &out.negotiated.ctx;
    let families = &out.negotiated.families;
    let mut msgs = Vec::new();
    let mut finalized: HashMap<(super::AttrId, Family), Finalized> = HashMap::new();
    for b in batches {
        match b {
            Batch::Withdraw { family, attr, nlri } => {
                if families.contains(&family) {
                    let a = attr.map(|id| rib.attributes(id));
                    withdraw(family, a, &nlri, out, &mut msgs);
                }
            }
            Batch::Announce { family, attr, nlri } => {
                if !families.contains(&family) {
                    continue;
                }
                let fin = finalized.entry((attr, family)).or_insert_with(|| {
                    match finalize(rib.attributes(attr), family, out) {
                        Ok(f) => Some(f),
                        Err(e) => {
                            log::error!("{e}: withdrawn instead");
                            None
                        }
                    }
                });
                match fin.as_ref() {
                    Some((attrs, nh)) => {
                        let next_hops: SmallVec<[IpAddr; 1]> = nh.iter().copied().collect();
                        pack_announce(family, attrs, &next_hops, &nlri, ctx, &mut msgs);
                    }
                    None => withdraw(family, None, &nlri, out, &mut msgs),
                }
            }
        }
    }
    msgs
}

/// Withdrawals of `nlri`. ExaBGP puts the withdrawal's attributes (with the
/// usual defaults) in front of MP_UNREACH_NLRI for families other than
/// unicast and multicast.
fn withdraw(
    family: Family,
    attributes: Option<&RouteAttributes>,
    nlri: &[Nlri],
    out: &Outbound<'_>,
    msgs: &mut Vec<Bytes>,
) {
    let ctx = &out.negotiated.ctx;
    if matches!(family.safi, Safi::UNICAST | Safi::MULTICAST) {
        pack_withdraw(family, nlri, ctx, msgs);
        return;
    }
    let empty = RouteAttributes {
        attributes: Attributes::new(),
        next_hop: NextHop::None,
    };
    match finalize(attributes.unwrap_or(&empty), family, out) {
        Ok((attrs, _)) => pack_withdraw_with_attributes(family, &attrs, nlri, ctx, msgs),
        Err(e) => log::error!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::capability::Capability;
    use crate::wire::open::Open;

    fn negotiated(local_as: u32, peer_as: u32) -> Negotiated {
        let open = |asn: u32, id: &str| Open {
            version: 4,
            my_as: asn as u16,
            hold_time: 180,
            bgp_id: id.parse().unwrap(),
            capabilities: vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::Multiprotocol(Family::IPV6_UNICAST),
                Capability::FourOctetAs(asn),
            ],
        };
        Negotiated::new(&open(local_as, "1.1.1.1"), &open(peer_as, "2.2.2.2"))
    }

    fn out<'a>(n: &'a Negotiated, local: &str) -> Outbound<'a> {
        Outbound {
            negotiated: n,
            local_address: local.parse().unwrap(),
            router_id: "9.9.9.9".parse().unwrap(),
        }
    }

    #[test]
    fn next_hop_self_resolution() {
        let n = negotiated(1, 1);
        let v6 = out(&n, "2001:db8::1");
        let v4 = out(&n, "10.0.0.1");
        let r = |nh, f, o: &Outbound<'_>| resolve_next_hop(nh, f, o);
        assert_eq!(
            r(NextHop::SelfAddress, Family::IPV4_UNICAST, &v4),
            Ok(Some("10.0.0.1".parse().unwrap()))
        );
        // IPv4 route on an IPv6 session: the router-id.
        assert_eq!(
            r(NextHop::SelfAddress, Family::IPV4_UNICAST, &v6),
            Ok(Some("9.9.9.9".parse().unwrap()))
        );
        assert_eq!(
            r(NextHop::SelfAddress, Family::IPV6_UNICAST, &v6),
            Ok(Some("2001:db8::1".parse().unwrap()))
        );
        assert!(r(NextHop::SelfAddress, Family::IPV6_UNICAST, &v4).is_err());
        assert_eq!(r(NextHop::None, Family::IPV4_FLOW, &v4), Ok(None));
    }

    #[test]
    fn defaults_ibgp_and_ebgp() {
        let a = |attrs: Vec<Attribute>, nh: &str| {
            let mut x = Attributes::new();
            for y in attrs {
                x.set(y);
            }
            RouteAttributes {
                attributes: x,
                next_hop: NextHop::Ip(nh.parse().unwrap()),
            }
        };
        let ibgp = negotiated(1, 1);
        let (attrs, nh) = finalize(
            &a(vec![], "10.0.0.9"),
            Family::IPV4_UNICAST,
            &out(&ibgp, "10.0.0.1"),
        )
        .unwrap();
        assert_eq!(nh, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(
            attrs.get(code::ORIGIN),
            Some(&Attribute::Origin(Origin::Igp))
        );
        assert_eq!(
            attrs.get(code::AS_PATH),
            Some(&Attribute::AsPath(AsPath::default()))
        );
        assert_eq!(
            attrs.get(code::LOCAL_PREF),
            Some(&Attribute::LocalPref(100))
        );
        assert_eq!(
            attrs.get(code::NEXT_HOP),
            Some(&Attribute::NextHop("10.0.0.9".parse().unwrap()))
        );

        let ebgp = negotiated(65001, 65002);
        let configured = AsPath {
            segments: vec![AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec![7, 8],
            }],
        };
        let (attrs, _) = finalize(
            &a(
                vec![
                    Attribute::LocalPref(300),
                    Attribute::AsPath(configured.clone()),
                ],
                "2001:db8::9",
            ),
            Family::IPV6_UNICAST,
            &out(&ebgp, "2001:db8::1"),
        )
        .unwrap();
        // Configured AS_PATH sent as is, LOCAL_PREF stripped, no NEXT_HOP attribute.
        assert_eq!(
            attrs.get(code::AS_PATH),
            Some(&Attribute::AsPath(configured))
        );
        assert_eq!(attrs.get(code::LOCAL_PREF), None);
        assert_eq!(attrs.get(code::NEXT_HOP), None);
        let (attrs, _) = finalize(
            &a(vec![], "10.0.0.9"),
            Family::IPV4_UNICAST,
            &out(&ebgp, "10.0.0.1"),
        )
        .unwrap();
        assert_eq!(
            attrs.get(code::AS_PATH),
            Some(&Attribute::AsPath(AsPath {
                segments: vec![AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: smallvec![65001],
                }],
            }))
        );
    }

    /// An announcement this session cannot carry (`next-hop self`, IPv6
    /// route, IPv4 session) becomes a withdrawal of its prefix, so that a
    /// version sent earlier does not stay at the peer; a sendable one in the
    /// same drain goes out as usual.
    #[test]
    fn unsendable_announcement_is_withdrawn() {
        let n = negotiated(1, 1);
        let o = out(&n, "10.0.0.1");
        let mut rib = AdjRibOut::new(true);
        let p = |s: &str, len| {
            Nlri::prefix(crate::wire::nlri::Prefix::new(s.parse().unwrap(), len).unwrap())
        };
        rib.announce(
            Family::IPV6_UNICAST,
            p("2001:db8::", 41),
            RouteAttributes {
                attributes: Attributes::new(),
                next_hop: NextHop::SelfAddress,
            },
        );
        rib.announce(
            Family::IPV6_UNICAST,
            p("2001:db8:1::", 48),
            RouteAttributes {
                attributes: Attributes::new(),
                next_hop: NextHop::Ip("2001:db8::9".parse().unwrap()),
            },
        );
        let msgs = messages(rib.drain(true, true), &rib, &o);
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        // UPDATE, no withdrawn routes, attributes: MP_UNREACH_NLRI AFI 2
        // SAFI 1, 2001:db8::/41.
        assert_eq!(
            &msgs[0][16..],
            &[
                0x00, 0x24, 0x02, 0, 0, 0, 0x0D, 0x80, 0x0F, 0x0A, 0, 2, 1, 41, 0x20, 0x01, 0x0D,
                0xB8, 0, 0
            ]
        );
        let reach = &msgs[1][..];
        assert_eq!(reach[18], 2);
        assert!(reach
            .windows(7)
            .any(|w| w == [48, 0x20, 0x01, 0x0D, 0xB8, 0, 1]));
    }

    #[test]
    fn end_of_rib_bytes() {
        let ctx = CodecContext::default();
        let v4 = end_of_rib(Family::IPV4_UNICAST, &ctx);
        assert_eq!(&v4[16..], &[0x00, 0x17, 0x02, 0, 0, 0, 0]);
        let v6 = end_of_rib(Family::IPV6_UNICAST, &ctx);
        assert_eq!(
            &v6[16..],
            &[0x00, 0x1E, 0x02, 0, 0, 0, 7, 0x90, 0x0F, 0, 3, 0, 2, 1]
        );
    }
}
