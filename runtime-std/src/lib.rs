//! Blocking std-thread runtime for the oxbgp core.
//!
//! Placeholder crate: the runtime itself is built in its own issue (reader threads
//! per socket and pipe feeding one channel). It exists now so the workspace layout
//! matches the design card.

/// Name of this runtime, as selected by `oxbgp --runtime`.
pub const NAME: &str = "std";
