//! Demand forecasting: pure functions from a daily (or monthly) series to a forecast with
//! intervals; no I/O.
//!
//! - [`methods`]: the methods (naive, seasonal naive, moving average, SES, Croston classic,
//!   SBA and optimised, TSB, ADIDA, IMAPA, ETS with a weekly season, and a seasonal profile
//!   over an intermittent level), each checked against statsforecast 2.1.1's output;
//! - [`backtest`]: rolling-origin windows and the error measures (MAE, MASE, RMSSE as in M5);
//! - [`choose`]: the method per series, by a backtest on that series' own history, the best
//!   few averaged, with intervals from the backtest's own errors.

pub mod backtest;
pub mod choose;
pub mod ets;
pub mod eval;
pub mod methods;
pub mod ses;

pub use backtest::{Errors, Means, Scales, Summary, Windows};
pub use choose::{Forecast, Setup, forecast};
pub use methods::Method;
