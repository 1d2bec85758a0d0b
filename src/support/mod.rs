//! Shared plumbing that knows no business word: the injectable clock, list paging, rate
//! limits, logs and metrics.
//!
//! - [`clock`]     the injectable clock and Nepal days
//! - [`page`]      pages of records, newest first, for every list
//! - [`ratelimit`] sliding-window limits and which client a request comes from
//! - [`telemetry`] tracing setup and the Prometheus metrics registry

pub mod clock;
pub mod page;
pub mod ratelimit;
pub mod telemetry;
