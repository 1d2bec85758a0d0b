//! The application: everything that wires the domains into one running program. Nothing
//! below `app` imports it (the one exception, `web` reading [`AppState`], is a sub-module edge:
//! `app::server` builds the router from `web`, and `web` reads the state handle).
//!
//! - [`cli`]       the command line: serve, create-user, backup, check and the owner's tools
//! - [`server`]    build the services and router, bind (port 0 in tests), graceful shutdown
//! - [`services`]  the handle on every domain service of one running Khaacho, opened once
//! - [`jobs`]      cron schedules (Nepal time) wired to domain functions
//! - [`logging`]   where logs go: stdout or stderr, and the rotated file of the server
//! - [`ops`]       the owner's commands, shared by the CLI and the control socket
//! - [`control`]   the Unix control socket that lets commands run while the server holds the file
//! - [`backups`]   backups kept in the data directory for the console: taken, listed, opened
//! - [`check`]     `khaacho check`: integrity and domain invariants across every domain
//! - [`demo`]      the demo data set shipped in `data/`, loaded on first start
//! - [`simulate`]  `khaacho simulate`: months of history through the real doors, for demos and tests

pub mod backups;
pub mod check;
mod check_postings;
pub mod cli;
pub mod control;
pub mod demo;
pub mod jobs;
pub mod logging;
pub mod ops;
pub mod server;
pub mod services;
pub(crate) mod services_catalog;
pub mod simulate;

pub use server::{App, AppOptions, AppState, shutdown_signal};
