//! Demand forecasts per product and per listing (a vendor's offer of a product), learned from
//! the daily facts' units ordered, and the stock-out risk they imply.
//!
//! - The history is the packs ordered each Nepal day (orders placed, whatever became of them:
//!   what shops asked for), from the subject's first order, at most [`HISTORY_DAYS`] back,
//!   through the last built day.
//! - The forecast is [`crate::forecast::forecast`] with the daily setup: 28 days ahead, the
//!   method chosen per series by backtest, 80 % and 95 % intervals from the backtest's errors.
//! - Stock-out risk over the restocking lead time (`analytics.reorder_cover_days`): **high**
//!   when the stock on hand is below the forecast demand over the lead time, **medium** when it
//!   is below the upper end of the 80 % interval (summed over the days), **low** otherwise.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::facts::{self, dim};
use crate::forecast::{self, Forecast, Setup};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, tables};

/// Days of history a forecast learns from, at most.
pub const HISTORY_DAYS: i64 = 364;

/// A stored forecast: what the nightly run made, and from which history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredForecast {
    /// The first and last day of the history it learned from.
    pub history_from: NaiveDate,
    pub through: NaiveDate,
    pub forecast: Forecast,
    pub risk: Option<StockOutRisk>,
}

/// Whether the stock on hand lasts the restocking lead time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StockOutRisk {
    /// `high`, `medium` or `low` (see the module's definition).
    pub level: String,
    pub lead_days: u32,
    pub stock: i64,
    /// Forecast packs over the lead time: the mean and the upper ends of the intervals.
    pub expected_units: f64,
    pub upper80_units: f64,
    pub upper95_units: f64,
}

impl StockOutRisk {
    pub fn of(stock: i64, f: &Forecast, lead_days: u32) -> StockOutRisk {
        let n = (lead_days as usize).min(f.mean.len());
        let sum = |v: &[f64]| v[..n].iter().sum::<f64>();
        StockOutRisk {
            level: String::new(),
            lead_days,
            stock,
            expected_units: sum(&f.mean),
            upper80_units: sum(&f.hi80),
            upper95_units: sum(&f.hi95),
        }
        .with_stock(stock)
    }

    /// The same forecast against another stock on hand (the stock now, when read).
    pub fn with_stock(mut self, stock: i64) -> StockOutRisk {
        let s = stock as f64;
        let level = if self.expected_units > 0.0 && s < self.expected_units {
            "high"
        } else if self.upper80_units > 0.0 && s < self.upper80_units {
            "medium"
        } else {
            "low"
        };
        self.level = level.to_string();
        self.stock = stock;
        self
    }
}

/// A subject's daily packs ordered: the first day and one value per day through `through`.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub from: NaiveDate,
    pub units: Vec<f64>,
}

/// The window of days a history may cover: from the first fact (at most [`HISTORY_DAYS`]
/// back) through `through`.
fn window(tx: &impl Tx, through: NaiveDate) -> Result<Option<NaiveDate>, StoreError> {
    Ok(facts::first_day(tx)?
        .map(|first| first.max(through - Duration::days(HISTORY_DAYS - 1)))
        .filter(|from| *from <= through))
}

/// Every subject's history of one kind (`product` or `listing`), from its first order on.
pub fn histories(
    tx: &impl Tx,
    kind: &str,
    through: NaiveDate,
) -> Result<BTreeMap<u64, History>, StoreError> {
    let Some(from) = window(tx, through)? else {
        return Ok(BTreeMap::new());
    };
    let days = (through - from).num_days() as usize + 1;
    let mut raw: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for (day, dims) in facts::stored(tx, from, through, &format!("{kind}:"))? {
        let i = (day - from).num_days() as usize;
        for (d, f) in dims {
            if let Some(id) = dim::id_of(&d, kind) {
                raw.entry(id).or_insert_with(|| vec![0.0; days])[i] = f.units_placed as f64;
            }
        }
    }
    Ok(raw
        .into_iter()
        .filter_map(|(id, units)| trimmed(from, units).map(|h| (id, h)))
        .collect())
}

/// One subject's history (`kind:id`), read day by day.
pub fn history(
    tx: &impl Tx,
    kind: &str,
    id: u64,
    through: NaiveDate,
) -> Result<Option<History>, StoreError> {
    let Some(from) = window(tx, through)? else {
        return Ok(None);
    };
    let view = tx.open(tables::DAILY_FACTS)?;
    let key = format!("{kind}:{id}");
    let mut units = Vec::new();
    let mut day = from;
    while day <= through {
        let f = view.get(facts::day_key(day, &key).as_str())?;
        units.push(f.map_or(0.0, |f| f.units_placed as f64));
        day += Duration::days(1);
    }
    Ok(trimmed(from, units))
}

/// The history from its first order; None when there is none.
fn trimmed(from: NaiveDate, units: Vec<f64>) -> Option<History> {
    let first = units.iter().position(|&v| v > 0.0)?;
    Some(History {
        from: from + Duration::days(first as i64),
        units: units[first..].to_vec(),
    })
}

/// Forecasts a history with the daily setup.
pub fn forecast_of(
    h: &History,
    through: NaiveDate,
    risk_stock: Option<(i64, u32)>,
) -> StoredForecast {
    let forecast = forecast::forecast(&h.units, &Setup::DAILY);
    let risk = risk_stock.map(|(stock, lead)| StockOutRisk::of(stock, &forecast, lead));
    StoredForecast {
        history_from: h.from,
        through,
        forecast,
        risk,
    }
}

/// The forecasts of every product and listing with orders, keyed `product:ID` / `listing:ID`,
/// with the stock-out risk of each (a product's stock is its listings' together).
pub fn forecasts(
    tx: &impl Tx,
    through: NaiveDate,
    lead_days: u32,
) -> Result<BTreeMap<String, StoredForecast>, StoreError> {
    let mut stock_of_listing = BTreeMap::new();
    let mut stock_of_product: BTreeMap<u64, i64> = BTreeMap::new();
    for entry in tx.open(tables::LISTINGS)?.iter()? {
        let (id, l) = entry?;
        stock_of_listing.insert(id, l.stock);
        *stock_of_product.entry(l.product_id).or_default() += l.stock.max(0);
    }
    let mut out = BTreeMap::new();
    for (kind, stocks) in [
        ("listing", &stock_of_listing),
        ("product", &stock_of_product),
    ] {
        for (id, h) in histories(tx, kind, through)? {
            let stock = stocks.get(&id).map(|&s| (s, lead_days));
            out.insert(format!("{kind}:{id}"), forecast_of(&h, through, stock));
        }
    }
    Ok(out)
}

/// Replaces the stored forecasts with `all`.
pub fn store(tx: &WriteTx, all: &BTreeMap<String, StoredForecast>) -> Result<(), StoreError> {
    let mut view = tx.open(tables::FORECASTS)?;
    let stale: Vec<String> = view
        .iter()?
        .map(|e| e.map(|(k, _)| k))
        .collect::<Result<_, _>>()?;
    for k in stale.iter().filter(|k| !all.contains_key(k.as_str())) {
        view.remove(k.as_str())?;
    }
    for (k, f) in all {
        view.put(k.as_str(), f)?;
    }
    Ok(())
}

/// A product's (or one vendor's listing's) forecast as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ForecastView {
    pub product_id: u64,
    /// Set when the forecast is of one vendor's listing.
    pub vendor_id: Option<u64>,
    pub listing_id: Option<u64>,
    /// The chosen method (several averaged are joined by "+").
    pub method: String,
    /// Why the backtest could not choose (too little history), when it could not.
    pub fallback: Option<String>,
    pub backtest: BacktestView,
    /// Packs ordered per day, from the first order on (at most a year).
    pub history: Vec<DayUnits>,
    /// The next 28 days after the history.
    pub forecast: Vec<ForecastDay>,
    pub stock_out_risk: Option<StockOutRisk>,
    /// The last day of the history.
    pub through: NaiveDate,
}

/// The chosen forecast's mean errors over its backtest windows (28 days each).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BacktestView {
    pub rmsse: Option<f64>,
    pub mae: Option<f64>,
    pub windows: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayUnits {
    pub date: NaiveDate,
    pub units: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ForecastDay {
    pub date: NaiveDate,
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

/// The forecast of `product` (or of `listing`, with its stock), as of `through`: the one the
/// nightly run stored when it is of the same day, else made now from the same facts.
pub fn view(
    tx: &impl Tx,
    product: u64,
    listing: Option<&crate::catalog::Listing>,
    through: NaiveDate,
    lead_days: u32,
) -> Result<ForecastView, StoreError> {
    let (kind, id) = match listing {
        Some(l) => ("listing", l.id),
        None => ("product", product),
    };
    // Never ordered: an empty history, forecast as zero with the fallback said.
    let h = history(tx, kind, id, through)?.unwrap_or(History {
        from: through + Duration::days(1),
        units: Vec::new(),
    });
    let key = format!("{kind}:{id}");
    let stock = match listing {
        Some(l) => l.stock,
        None => crate::catalog::store::listings_of_product(tx, product)?
            .iter()
            .map(|l| l.stock.max(0))
            .sum(),
    };
    let stored = tx
        .open(tables::FORECASTS)?
        .get(key.as_str())?
        .filter(|s| s.through == through && s.history_from == h.from);
    let s = stored.unwrap_or_else(|| forecast_of(&h, through, Some((stock, lead_days))));
    let f = &s.forecast;
    Ok(ForecastView {
        product_id: product,
        vendor_id: listing.map(|l| l.vendor_id),
        listing_id: listing.map(|l| l.id),
        method: f.method(),
        fallback: f.fallback.clone(),
        backtest: BacktestView {
            rmsse: f.backtest_rmsse,
            mae: f.backtest_mae,
            windows: f.backtest_windows,
        },
        history: h
            .units
            .iter()
            .enumerate()
            .map(|(i, &units)| DayUnits {
                date: h.from + Duration::days(i as i64),
                units,
            })
            .collect(),
        forecast: days_ahead(f, through),
        stock_out_risk: s.risk.map(|r| r.with_stock(stock)),
        through,
    })
}

/// The forecast's days, the first the day after `through`.
fn days_ahead(f: &Forecast, through: NaiveDate) -> Vec<ForecastDay> {
    (0..f.mean.len())
        .map(|i| ForecastDay {
            date: through + Duration::days(i as i64 + 1),
            mean: f.mean[i],
            lo80: f.lo80[i],
            hi80: f.hi80[i],
            lo95: f.lo95[i],
            hi95: f.hi95[i],
        })
        .collect()
}
