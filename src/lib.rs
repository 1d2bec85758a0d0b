//! Khaacho: B2B wholesale ordering for Nepal's shops, as one self-contained server.
//!
//! The map of the system (domain modules never import axum):
//!
//! - [`cli`]       the command line: serve, create-user, backup, check
//! - [`config`]    defaults → `khaacho.toml` → `KHAACHO_*` env, validated, secrets redacted
//! - [`app`]       build the services and router, bind (port 0 in tests), graceful shutdown
//! - [`services`]  the domain services of one running Khaacho, opened once
//! - [`ops`]       the owner's commands, shared by the CLI and the control socket
//! - [`control`]   the Unix control socket that lets commands run while the server holds the file
//! - [`storage`]   redb: every table, the one codec, the schema version, group-commit writer, backups
//! - [`auth`]      users, roles, argon2 passwords, JWT access and rotating refresh tokens
//! - [`catalog`]   products, vendors, listings, CSV import
//! - [`matching`]  phrase → catalog product (fst exact keys + Levenshtein, tantivy BM25), or a question
//! - [`parsing`]   WhatsApp order text → items (phrase, quantity, unit), pure, no I/O
//! - [`retailers`] shops and their credit terms
//! - [`ledger`]    the double-entry credit ledger: accounts, transfers, holds
//! - [`money`]     paisa arithmetic and the one rounding rule
//! - [`audit`]     the append-only record of who changed what
//! - [`check`]     `khaacho check`: integrity and domain invariants
//! - [`demo`]      the demo data set shipped in `data/`
//! - [`jobs`]      cron schedules (Nepal time) wired to domain functions: nightly credit, deadlines
//! - [`whatsapp`]  the retailer and vendor conversations, Twilio/Meta adapters, the outbox sender
//! - [`outbox`]    the message log and durable outbox
//! - [`web`]       the only axum code: routers per URL area, extractors, the error table, UI assets
//! - [`telemetry`] tracing setup and the Prometheus metrics registry
//! - [`clock`], [`types`], [`page`], [`ratelimit`]: the injectable clock, validated value types,
//!   list paging, sliding-window limits
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod credit;
pub mod demo;
pub mod jobs;
pub mod ledger;
pub mod limits;
pub mod matching;
pub mod money;
pub mod notify;
pub mod ops;
pub mod orders;
pub mod outbox;
pub mod page;
pub mod parsing;
pub mod preview;
pub mod ratelimit;
pub mod retailers;
pub mod retention;
pub mod routing;
pub mod services;
mod services_catalog;
pub mod storage;
pub mod telemetry;
pub mod texts;
pub mod types;
pub mod web;
pub mod whatsapp;
