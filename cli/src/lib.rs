//! gatesmith: declare socket.io gateways in YAML, render the Rust gateway
//! and its `index.html` client, and regenerate without losing a line.
//!
//! One pipeline, one module per stage: [`spec`] parses, [`model`] checks,
//! [`render`] renders, [`write`] plans and writes. Each command is a thin
//! use of it.

pub mod diagnostic;
pub mod ident;
pub mod model;
pub mod render;
pub mod spec;
pub mod write;
pub mod yaml;

pub mod check;
pub mod config;
pub mod dev;
mod generate;
pub mod scaffold;

pub use generate::{
    GenerateError, Project, generate, load, load_one, load_with, plan, plan_with, render_specs,
    render_specs_with, spec_paths,
};
