//! Khaacho: B2B wholesale ordering for Nepal's shops, as one self-contained server.
//!
//! # The map
//!
//! Every module, one line each, top layer first; a module may use the ones listed after it,
//! never one before it (`tests/module_map.rs` checks both the list and the direction). Two
//! edges point up on purpose: the table registry (`storage::tables` and the migrations,
//! `storage::schema` and `storage::schema_v6`) names the value types the domains store, and `web` reads the state handle `app` builds
//! around its router.
//!
//! - [`app`]        wiring: the CLI, the server and its state, the services handle, jobs, the
//!   owner's commands and control socket, `khaacho check`, the demo data
//! - [`web`]        the only axum code: one router per URL area, extractors, the one error table
//! - [`whatsapp`]   the retailer and vendor conversations, Twilio/Meta adapters, the sender
//! - [`analytics`]  daily facts from the order log and the ledger, the owner's figures,
//!   intelligence about shops, vendors, stock and prices, demand forecasts and stock-out risk,
//!   recommendations, Parquet export
//! - [`preview`]    a shop's message → priced lines or a question, before anything is written
//! - [`orders`]     placing, the state machine, vendor moves, re-routing, notifications
//! - [`credit`]     credit limits and terms, payments, aging, alerts, the nightly refresh
//! - [`catalog`]    products, vendors, listings, CSV import, the search index that follows them
//! - [`ledger`]     the double-entry credit ledger: accounts, transfers, holds
//! - [`retailers`]  shops: who they are and how to reach them
//! - [`auth`]       users, roles, argon2 passwords, JWT access and rotating refresh tokens
//! - [`audit`]      the append-only record of who changed what
//! - [`retention`]  how long messages, webhook records and ended sessions are kept
//! - [`messaging`]  the message log, the durable outbox, every sentence a shop or vendor reads
//! - [`config`]     defaults → `khaacho.toml` → `KHAACHO_*` env, validated, secrets redacted
//! - [`matching`]   phrase → catalog product (fst keys + Levenshtein, tantivy BM25) or a question
//! - [`parsing`]    WhatsApp order text → items (phrase, quantity, unit); pure, no I/O
//! - [`routing`]    which vendor (or vendors) gets an order, and why; pure, no I/O
//! - [`forecast`]   demand forecasts with intervals, the method chosen per series by
//!   backtest; pure, no I/O
//! - [`support`]    plumbing that knows no business word: clock, paging, rate limits, metrics
//! - [`storage`]    redb: every table, the one codec, the schema version, the writer, backups
//! - [`types`]      validated value types every layer shares: phone numbers, roles, money, bounds
//!
//! # How a WhatsApp message becomes an order
//!
//! 1. `web::webhooks` receives the Twilio or Meta webhook, checks its signature and size, and
//!    hands the sender and text to [`whatsapp::WhatsApp`].
//! 2. The conversation reads a snapshot: who is writing (retailer, vendor, stranger), what
//!    they wrote (`whatsapp::intent`), and plans an answer without writing anything: an
//!    order text goes through [`parsing`], [`matching`] and [`preview`] to a priced preview
//!    kept as the conversation's pending order.
//! 3. The plan is applied in **one write transaction** through the storage writer: CONFIRM
//!    goes through the order door [`orders::place`] (the same one `POST /api/v1/orders`
//!    reaches through [`orders::OrderService`]), which re-checks stock, credit and ownership
//!    inside the transaction, reserves stock, holds credit in the [`ledger`] and picks the
//!    vendor with [`routing`]; the message and its answers are logged and the vendor's
//!    notification is queued in [`messaging::outbox`] in the same transaction.
//! 4. The webhook answers; the sender (`whatsapp::sender`) delivers the outbox with retries.
//!
//! # How a REST call runs
//!
//! An extractor in `web::extract` authenticates the caller and reads the body; the handler
//! makes one domain call with the caller as [`auth::Acting`]; the domain error becomes a status
//! through the one table in `web::error`. Handlers open no table and hold no rule.
//!
//! # Where things live
//!
//! - Every table, its key and value types: `storage::tables` (with `storage::schema` and
//!   `storage::schema_v6`, the migrations, the one place below the domains that names their
//!   value types).
//! - Every stored byte goes through `storage::codec` (bincode with a version byte).
//! - Every sentence a shop or vendor reads: [`messaging::texts`].
//!
//! # Rules the code keeps
//!
//! - One door per business action: REST, WhatsApp, jobs and the CLI call the same domain
//!   function, which checks ownership and state again inside its write transaction.
//! - One write transaction per business action; nothing is half-applied.
//! - Domain modules never import axum; `web` only translates.
#![forbid(unsafe_code)]

pub mod analytics;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod credit;
pub mod forecast;
pub mod ledger;
pub mod matching;
pub mod messaging;
pub mod orders;
pub mod parsing;
pub mod preview;
pub mod retailers;
pub mod retention;
pub mod routing;
pub mod storage;
pub mod support;
pub mod types;
pub mod web;
pub mod whatsapp;
