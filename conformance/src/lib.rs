//! oxbgp conformance harness: the scripted BGP test peer, the `.cmds` helper
//! replayer and the corpus runner described in
//! `shared/conformance/FORMAT.md`. The SUT is always an external program.

pub mod cmds;
pub mod json_cmp;
pub mod msgfile;
pub mod peer;
pub mod replay;
pub mod runner;
pub mod wire_text;
