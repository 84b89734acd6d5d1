//! The ExaBGP text API: command parser, and the JSON / text encoders of what is
//! written to API processes (reference §3–§5).

pub mod command;
pub mod decode;
pub mod json;
pub mod text;

#[cfg(test)]
mod decode_tests;
