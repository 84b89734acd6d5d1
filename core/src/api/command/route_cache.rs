//! A parse cache for the API's most common line: one prefix per
//! `announce route` / `withdraw route` command, with the same attributes as a
//! line seen before (health checks and route feeds write long runs of
//! `announce route P next-hop N <same attributes>` with only `P` changing).
//!
//! A line is split into `head` (optional `neighbor ...` selector and the
//! verb, e.g. `announce route `), the prefix word, and `rest` (everything
//! after the prefix). After a line was parsed the slow way into exactly one
//! plain-prefix route, its `head` and `rest` are remembered with the parsed
//! selector and the interned attribute set. A later line with the same `head`
//! and `rest` (byte for byte) parses to the same command except for the
//! prefix, so only the prefix word is parsed ([`parse_prefix`], the
//! configuration's own rule) and the family is chosen as the route grammar
//! chooses it. Anything else (labels, route distinguishers, `split`,
//! watchdogs, a prefix of the other address family, a prefix that does not
//! parse) takes the full parser, which also produces the error text.

use super::{Action, Command, Selector};
use crate::config::error::Pos;
use crate::config::lexer::Token;
use crate::config::model::Route;
use crate::config::route::plain_route_family;
use crate::config::value::parse_prefix;
use crate::rib::RouteAttributes;
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use std::cell::Cell;
use std::sync::Arc;

/// Lines with attributes seen recently. A handful covers feeds that alternate
/// between a few attribute sets; a miss costs one full parse.
const ENTRIES: usize = 8;

#[derive(Debug)]
struct Entry {
    head: Box<str>,
    rest: Box<str>,
    action: Action,
    selector: Selector,
    ipv4: bool,
    path_id: Option<u32>,
    attrs: Arc<RouteAttributes>,
}

/// What a cached line means (the route of a one-route command).
#[derive(Debug)]
pub struct CachedRoute {
    pub action: Action,
    pub selector: Selector,
    pub family: Family,
    pub nlri: Nlri,
    /// Shared with every other line of the same entry: the Adj-RIB-Out
    /// interns it by pointer first.
    pub attrs: Arc<RouteAttributes>,
}

#[derive(Debug, Default)]
pub struct RouteLineCache {
    entries: Vec<Entry>,
    /// Entry replaced next when full (round robin).
    next: usize,
    /// Entry of the last hit.
    last: Cell<usize>,
}

/// `(head, prefix, rest)` of a raw API line, when it has the shape the cache
/// handles: `[neighbor ... ]announce route PREFIX[ REST]` with single spaces
/// around the prefix word.
fn split(raw: &str) -> Option<(&str, &str, &str)> {
    let line = raw.trim_end_matches(|c: char| c.is_ascii_whitespace());
    let start = verb_end(line)?;
    let (head, after) = line.split_at(start);
    // A byte scan: the prefix word is short, a searcher costs more to set up.
    let (prefix, rest) = match after.bytes().position(|b| b == b' ') {
        Some(i) => (&after[..i], &after[i + 1..]),
        None => (after, ""),
    };
    let prefix_chars = |b: u8| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'/');
    if prefix.is_empty() || !prefix.bytes().all(prefix_chars) {
        return None;
    }
    Some((head, prefix, rest))
}

/// End of the first `announce route ` / `withdraw route ` word pair that
/// starts the line or follows a space.
fn verb_end(line: &str) -> Option<usize> {
    const VERBS: [&str; 2] = ["announce route ", "withdraw route "];
    // Most lines start with the verb: no search.
    if VERBS.iter().any(|v| line.starts_with(v)) {
        return Some(VERBS[0].len());
    }
    if !line.starts_with("neighbor ") {
        return None;
    }
    VERBS
        .iter()
        .filter_map(|v| {
            let at = line.find(v)?;
            (line.as_bytes()[at - 1] == b' ').then_some(at + v.len())
        })
        .min()
}

fn prefix_of(word: &str) -> Option<Prefix> {
    parse_prefix(&Token::new(word, Pos::new(1, 1))).ok()
}

impl RouteLineCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The route `raw` stands for, if a line with the same words around the
    /// prefix was [`learn`](Self::learn)ed.
    pub fn lookup(&self, raw: &str) -> Option<CachedRoute> {
        let (head, prefix, rest) = split(raw)?;
        let e = &self.entries[self.find(head, rest)?];
        let prefix = prefix_of(prefix)?;
        if prefix.is_ipv4() != e.ipv4 {
            return None;
        }
        Some(CachedRoute {
            action: e.action,
            selector: e.selector.clone(),
            family: plain_route_family(&prefix),
            nlri: Nlri::Prefix {
                prefix,
                path_id: e.path_id,
            },
            attrs: e.attrs.clone(),
        })
    }

    /// Remember `raw` after the full parser turned it into `cmd`, if `cmd` is
    /// one plain-prefix route that the words around the prefix determine.
    pub fn learn(&mut self, raw: &str, cmd: &Command) {
        let Some((head, prefix, rest)) = split(raw) else {
            return;
        };
        let (action, selector, route) = match cmd {
            Command::Announce { selector, routes } if routes.len() == 1 => {
                (Action::Announce, selector, &routes[0])
            }
            Command::Withdraw { selector, routes } if routes.len() == 1 => {
                (Action::Withdraw, selector, &routes[0])
            }
            _ => return,
        };
        let Route {
            family,
            nlri: Nlri::Prefix { prefix: p, path_id },
            next_hop,
            attributes,
            watchdog: None,
            withdrawn: false,
        } = route
        else {
            return;
        };
        // The prefix word must be the route's prefix and the family the one
        // the grammar picks from the prefix alone (no rd, label or family
        // keyword in `rest`).
        if prefix_of(prefix) != Some(*p) || plain_route_family(p) != *family {
            return;
        }
        // `split /N` makes one route of a /N prefix but several of a shorter
        // one: the route count depends on the prefix.
        if rest.split(' ').any(|w| w == "split") {
            return;
        }
        let entry = Entry {
            head: head.into(),
            rest: rest.into(),
            action,
            selector: selector.clone(),
            ipv4: p.is_ipv4(),
            path_id: *path_id,
            attrs: Arc::new(RouteAttributes {
                attributes: attributes.clone(),
                next_hop: *next_hop,
            }),
        };
        let i = match self.find(head, rest) {
            Some(i) => i,
            None if self.entries.len() < ENTRIES => {
                self.entries.push(entry);
                self.last.set(self.entries.len() - 1);
                return;
            }
            None => {
                let i = self.next;
                self.next = (i + 1) % ENTRIES;
                i
            }
        };
        self.entries[i] = entry;
        self.last.set(i);
    }

    /// The entry for these words around the prefix; it becomes the last hit.
    fn find(&self, head: &str, rest: &str) -> Option<usize> {
        let matches = |e: &Entry| *e.rest == *rest && *e.head == *head;
        // Runs of lines share their attributes: try the last hit first.
        let last = self.last.get();
        if self.entries.get(last).is_some_and(matches) {
            return Some(last);
        }
        let i = self.entries.iter().position(matches)?;
        self.last.set(i);
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::command::parse;
    use crate::rib::routes::into_route;

    /// What the full parser makes of `line`, as the cache reports it.
    fn full(line: &str) -> (Action, Selector, Family, Nlri, RouteAttributes) {
        let (action, selector, mut routes) = match parse(line).expect(line) {
            Command::Announce { selector, routes } => (Action::Announce, selector, routes),
            Command::Withdraw { selector, routes } => (Action::Withdraw, selector, routes),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(routes.len(), 1, "{line}");
        let r = into_route(routes.remove(0));
        (action, selector, r.family, r.nlri, r.attrs)
    }

    fn learned(line: &str) -> RouteLineCache {
        let mut c = RouteLineCache::new();
        c.learn(line, &parse(line).unwrap());
        c
    }

    #[test]
    fn a_hit_is_what_the_full_parser_makes_of_the_line() {
        let cases = [
            (
                "announce route 10.0.0.0/24 next-hop 192.0.2.1 origin igp as-path [ 65001 3356 ] med 10 community [ 65001:1 no-export ]",
                "announce route 10.9.8.0/23 next-hop 192.0.2.1 origin igp as-path [ 65001 3356 ] med 10 community [ 65001:1 no-export ]",
            ),
            (
                "announce route 10.0.0.0/24 next-hop self path-information 1.2.3.4",
                "announce route 172.16.0.1 next-hop self path-information 1.2.3.4",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 192.0.2.1",
                "announce route 232.1.0.0/16 next-hop 192.0.2.1",
            ),
            (
                "announce route 2001:db8::/32 next-hop 2001:db8::1 local-preference 200",
                "announce route 2001:db8:ff::/48 next-hop 2001:db8::1 local-preference 200",
            ),
            (
                "neighbor 127.0.0.1 announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "neighbor 127.0.0.1 announce route 10.0.1.0/24 next-hop 1.1.1.1",
            ),
            ("withdraw route 10.0.0.0/24", "withdraw route 10.0.2.0/24"),
            (
                "withdraw route 10.0.0.0/24 next-hop 1.1.1.1 med 5",
                "withdraw route 10.0.3.0/24 next-hop 1.1.1.1 med 5",
            ),
        ];
        for (first, second) in cases {
            let cache = learned(first);
            let hit = cache
                .lookup(second)
                .unwrap_or_else(|| panic!("miss: {second}"));
            let (action, selector, family, nlri, attrs) = full(second);
            assert_eq!(hit.action, action, "{second}");
            assert_eq!(hit.selector, selector, "{second}");
            assert_eq!(hit.family, family, "{second}");
            assert_eq!(hit.nlri, nlri, "{second}");
            assert_eq!(*hit.attrs, attrs, "{second}");
        }
    }

    #[test]
    fn lines_the_prefix_alone_does_not_determine_miss() {
        let cases = [
            // not learned: labels, route distinguishers, split, watchdogs
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1 label [ 100 ]",
                "announce route 10.0.1.0/24 next-hop 1.1.1.1 label [ 100 ]",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1 rd 65000:1 label [ 100 ]",
                "announce route 10.0.1.0/24 next-hop 1.1.1.1 rd 65000:1 label [ 100 ]",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1 split /25",
                "announce route 10.0.1.0/24 next-hop 1.1.1.1 split /25",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1 watchdog w",
                "announce route 10.0.1.0/24 next-hop 1.1.1.1 watchdog w",
            ),
            // one route for a /25 split /25, two for a /24
            (
                "announce route 10.0.0.0/25 next-hop 1.1.1.1 split /25",
                "announce route 10.0.1.0/24 next-hop 1.1.1.1 split /25",
            ),
            // learned, but the new line differs
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "announce route 2001:db8::/32 next-hop 1.1.1.1",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "announce route 10.0.0.1/24 next-hop 1.1.1.1",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "announce route 10.0.0.0/24  next-hop 1.1.1.1",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "neighbor 127.0.0.1 announce route 10.0.0.0/24 next-hop 1.1.1.1",
            ),
            (
                "announce route 10.0.0.0/24 next-hop 1.1.1.1",
                "withdraw route 10.0.0.0/24 next-hop 1.1.1.1",
            ),
        ];
        for (first, second) in cases {
            assert!(
                learned(first).lookup(second).is_none(),
                "{first} / {second}"
            );
        }
    }

    #[test]
    fn the_oldest_entry_makes_room() {
        let mut c = RouteLineCache::new();
        let line = |i: usize| format!("announce route 10.0.0.0/24 next-hop 1.1.1.1 med {i}");
        for i in 0..=ENTRIES {
            c.learn(&line(i), &parse(&line(i)).unwrap());
        }
        assert!(c.lookup(&line(0)).is_none());
        for i in 1..=ENTRIES {
            assert!(c.lookup(&line(i)).is_some(), "{i}");
        }
    }
}
