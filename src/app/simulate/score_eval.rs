//! `khaacho analytics score-eval`: does the credit score rank shops by who will pay late?
//!
//! A history is simulated in a throwaway database; at a cutoff 90 days before its end every
//! shop that has ordered is scored as the credit domain scores it then; the label is whether
//! the shop has an invoice 30 or more days past due at some moment of the next 90 days (an
//! invoice due on D is such when D + 30 falls in the window and it was still unpaid then).
//! The AUC is the chance a shop that stayed on time scores above one that fell 30+ days late
//! (ties count half).

use chrono::{Duration, NaiveDate, Utc};
use serde::Serialize;

use super::{Options, run_with};
use crate::config::Config;
use crate::storage::{StoreError, TableRead, Tx, tables};
use crate::support::clock::nepal_date;

#[derive(Debug, Clone, Serialize)]
pub struct ScoreEval {
    pub seed: u64,
    pub days: u32,
    pub cutoff: NaiveDate,
    pub window_days: i64,
    pub shops_scored: usize,
    /// Shops 30+ days late within the window.
    pub late: usize,
    pub auc: Option<f64>,
    pub seconds: f64,
}

pub const WINDOW_DAYS: i64 = 90;

/// The AUC of `scores` (higher = safer) for `late` (true = the bad outcome).
pub fn auc(pairs: &[(u32, bool)]) -> Option<f64> {
    let (bad, good): (Vec<_>, Vec<_>) = pairs.iter().partition(|(_, late)| *late);
    if bad.is_empty() || good.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for (g, _) in &good {
        for (b, _) in &bad {
            wins += match g.cmp(b) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    Some(wins / (good.len() * bad.len()) as f64)
}

/// Whether each shop had an invoice 30+ days past due at some moment of `(cutoff, end]`.
fn late_in_window(
    tx: &impl Tx,
    cutoff: NaiveDate,
    end: NaiveDate,
) -> Result<std::collections::HashSet<u64>, StoreError> {
    let mut late = std::collections::HashSet::new();
    for entry in tx.open(tables::INVOICES)?.iter()? {
        let (_, inv) = entry?;
        if inv.amount_paisa <= 0 {
            continue;
        }
        let moment = (inv.due_date + Duration::days(30)).max(cutoff + Duration::days(1));
        let settled = inv.closed_at.map_or(end + Duration::days(1), nepal_date);
        if moment <= end && settled > moment {
            late.insert(inv.retailer_id);
        }
    }
    Ok(late)
}

/// Simulates `days` days for `retailers` shops with `seed` and measures the score's AUC.
pub async fn score_eval(seed: u64, days: u32, retailers: u32) -> Result<ScoreEval, String> {
    let started = std::time::Instant::now();
    let dir =
        std::env::temp_dir().join(format!("khaacho-score-eval-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    config.log.file = false;
    let now = Utc::now();
    let end = nepal_date(now) - Duration::days(1);
    let cutoff = end - Duration::days(WINDOW_DAYS);
    let opts = Options {
        days,
        seed,
        retailers: Some(retailers),
        orders_per_day: None,
        load_demo: true,
        score_at: Some(cutoff + Duration::days(1)),
    };
    let result = match run_with(config, opts, now).await {
        Ok((svc, report)) => {
            let late = svc
                .store()
                .read(move |tx| late_in_window(tx, cutoff, end))
                .await
                .map_err(|e| e.to_string())?;
            let pairs: Vec<(u32, bool)> = report
                .scores
                .iter()
                .map(|(id, s)| (*s, late.contains(id)))
                .collect();
            Ok(ScoreEval {
                seed,
                days,
                cutoff,
                window_days: WINDOW_DAYS,
                shops_scored: pairs.len(),
                late: pairs.iter().filter(|(_, l)| *l).count(),
                auc: auc(&pairs),
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::auc;

    #[test]
    fn auc_is_the_chance_a_good_shop_outscores_a_late_one() {
        assert_eq!(auc(&[(800, false), (400, true)]), Some(1.0));
        assert_eq!(auc(&[(400, false), (800, true)]), Some(0.0));
        assert_eq!(auc(&[(500, false), (500, true)]), Some(0.5));
        assert_eq!(auc(&[(500, false), (600, false)]), None);
        let a = auc(&[(700, false), (600, false), (650, true), (300, true)]).unwrap();
        assert!((a - 0.75).abs() < 1e-9);
    }
}
