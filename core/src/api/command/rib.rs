//! `flush adj-rib out` and `clear adj-rib [in|out]` (reference §3.3, ExaBGP
//! `command/rib.py`).

use super::dispatch::{expect_verb, Verb};
use super::{selector, Command, CommandError, Direction};

pub(super) fn flush(line: &str) -> Result<Command, CommandError> {
    let (selector, rest) = selector::extract(line)?;
    expect_verb(rest, Verb::FlushAdjRibOut.name())?;
    Ok(Command::FlushAdjRibOut { selector })
}

pub(super) fn clear(line: &str, verb: Verb) -> Result<Command, CommandError> {
    let (selector, rest) = selector::extract(line)?;
    let args = expect_verb(rest, verb.name())?;
    // ExaBGP: `in` if the words contain `adj-rib-in` or `in`, else out.
    let direction = match verb {
        Verb::ClearAdjRibInDash => Direction::In,
        Verb::ClearAdjRibOutDash => Direction::Out,
        _ if args.split(' ').any(|w| w == "in" || w == "adj-rib-in") => Direction::In,
        _ => Direction::Out,
    };
    Ok(Command::ClearAdjRib {
        selector,
        direction,
    })
}
