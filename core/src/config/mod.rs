//! The ExaBGP 5.0 configuration grammar (reference §1) turned into a typed
//! [`Config`]. Errors name file, line and column and what was expected.
//!
//! Pipeline: [`lexer`] (statements ending at `;`, `{`, `}`) → [`tree`]
//! (blocks) → [`parser`] (sections) → [`neighbor`] (keywords, templates,
//! validation). Route keywords live in [`route`] so the text API can reuse
//! them on a command's tokens ([`lexer::command_tokens`]). Every step is
//! linear in the size of the input.
//!
//! Entry points for the text API (tokens from [`lexer::command_tokens`]):
//! * `announce|withdraw route ...` / `attributes ... nlri ...`:
//!   [`route::routes_from_tokens`];
//! * `announce ipv4|ipv6 <safi> ...` and `announce vpls ...`:
//!   [`announce::parse_announce_line`] (or [`l2vpn::parse_vpls_line`]);
//! * `announce flow route ...` (line or `{ match { } then { } }` form):
//!   [`flow::parse_flow_tokens`].

pub mod announce;
pub mod api;
pub mod capability;
pub mod community;
pub mod error;
pub mod family;
pub mod flow;
pub mod l2vpn;
pub mod lexer;
pub mod model;
pub mod mup;
pub mod mvpn;
pub mod neighbor;
pub mod parser;
pub mod process;
pub mod route;
pub mod tree;
pub mod value;

pub use error::{ConfigError, Pos};
pub use flow::{FlowComponent, FlowMatch, FlowOp, FlowRoute};
pub use l2vpn::VplsRoute;
pub use model::*;
pub use mup::{MupKind, MupRoute};
pub use mvpn::{McastVpnKind, McastVpnRoute};
pub use parser::parse_str;
pub use process::{resolve_program, validate_processes};

use std::path::Path;

/// Read and parse a configuration file (the only I/O of this module besides
/// [`validate_processes`]).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: name.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read the configuration file: {e}"),
    })?;
    parse_str(&text, &name)
}
