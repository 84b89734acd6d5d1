//! `show neighbor` and `show adj-rib` (reference §3.3, ExaBGP
//! `command/neighbor.py`, `command/rib.py`). Both look for their option
//! words anywhere in the line, like ExaBGP.

use super::{Command, Direction, RibFilter, ShowNeighborMode};

/// `show neighbor [<ip>] [summary|extensive|configuration|json|text]`.
pub(super) fn show_neighbor(line: &str) -> Command {
    let mut words: Vec<&str> = line.split(' ').collect();
    let mut has = |w: &str| match words.iter().position(|x| *x == w) {
        Some(i) => {
            words.remove(i);
            true
        }
        None => false,
    };
    let summary = has("summary");
    let extensive = has("extensive");
    let configuration = has("configuration");
    let json = has("json");
    let _text = has("text");
    // ExaBGP: the last remaining word, unless it is `neighbor` itself.
    let filter = match words.last() {
        Some(&w) if w != "neighbor" && !w.is_empty() => Some(w.to_string()),
        _ => None,
    };
    let mode = if json {
        ShowNeighborMode::Json
    } else if summary {
        ShowNeighborMode::Summary
    } else if extensive {
        ShowNeighborMode::Extensive
    } else if configuration {
        ShowNeighborMode::Configuration
    } else {
        ShowNeighborMode::Help
    };
    Command::ShowNeighbor { filter, mode }
}

/// `show adj-rib in|out [extensive] [<ip>|inet|flow|l2vpn] [json]`.
pub(super) fn show_adj_rib(line: &str, direction: Direction) -> Command {
    let extensive = line.ends_with(" extensive");
    let mut words: Vec<&str> = line.split(' ').collect();
    let kind = if words.contains(&"inet") {
        RibFilter::Inet
    } else if words.contains(&"flow") {
        RibFilter::Flow
    } else if words.contains(&"l2vpn") {
        RibFilter::L2vpn
    } else {
        RibFilter::All
    };
    let mut json = false;
    if let Some(i) = words.iter().position(|w| *w == "json") {
        words.remove(i);
        json = true;
    }
    for remove in [
        "show",
        "adj-rib",
        "adj-rib-in",
        "adj-rib-out",
        "in",
        "out",
        "extensive",
    ] {
        if let Some(i) = words.iter().position(|w| *w == remove) {
            words.remove(i);
        }
    }
    // ExaBGP lists every peer when the first remaining word is one of these,
    // else the peers whose name contains `neighbor <word>`.
    let filter = match words.first() {
        None => None,
        Some(&"") => None,
        Some(&("routes" | "extensive" | "static" | "inet" | "flow" | "l2vpn")) => None,
        Some(w) => Some(w.to_string()),
    };
    Command::ShowAdjRib {
        direction,
        extensive,
        json,
        kind,
        filter,
    }
}
