//! The ExaBGP 5.0 configuration grammar (reference §1) turned into a typed
//! [`Config`]. Errors name file, line and column and what was expected.

pub mod model;

pub use model::*;
