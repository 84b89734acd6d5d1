//! oxbgp conformance harness: the scripted BGP test peer, the `.cmds` helper
//! replayer and the corpus runner described in
//! `shared/conformance/FORMAT.md`. The SUT is always an external program.
//!
//! ```text
//! cargo run --release -p oxbgp-conformance -- --corpus ../shared/conformance \
//!     [--sut oxbgp|exabgp|"CMD ARGS"] [--sut-bin PATH] [--only NAME]... \
//!     [--kind encoding|decoding|parsing]... [--jobs N] [--timeout S] [--verbose] \
//!     [--list] [--write-expected-failures FILE] [--expected-failures FILE]
//! ```
//!
//! Output: one `PASS|FAIL <kind> <name> <secs>s <reason>` line per test, then
//! `N passed, N failed`; exit status 0 iff nothing failed. The binary also has
//! the `peer` (scripted BGP peer) and `replay` (helper replayer) modes the
//! runner starts for encoding tests. `tests/corpus.rs` is the ratchet against
//! `expected-failures.txt`.

pub mod cmds;
pub mod json_cmp;
pub mod msgfile;
pub mod peer;
pub mod replay;
pub mod runner;
pub mod wire_text;
