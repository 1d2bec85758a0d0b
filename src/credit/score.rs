//! The credit score: 300–900, from five components each worth 0–1, weighted by configuration.
//!
//! All components at 0 give 300 and all at 1 give 900, so the whole range is reachable. Each
//! component carries a sentence a shopkeeper or operator can understand.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Invoice;

/// The weights of the score's components, as configured (`credit.score_weights`).
pub use crate::config::ScoreWeights as Weights;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Component {
    pub name: String,
    pub weight: u32,
    /// 0 (worst) to 1 (best).
    pub value: f64,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub score: u32,
    pub at: DateTime<Utc>,
    pub components: Vec<Component>,
}

/// What the score is computed from.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub today: NaiveDate,
    pub invoices: Vec<Invoice>,
    pub limit_paisa: i64,
    pub used_paisa: i64,
    pub member_since: NaiveDate,
    /// Nepal dates of the retailer's orders in the last 12 weeks.
    pub order_dates: Vec<NaiveDate>,
    /// Orders in the last 90 days, and how many of them the retailer cancelled or disputed.
    pub recent_orders: u32,
    pub recent_cancelled_or_disputed: u32,
}

/// Days late at which an invoice counts as fully late.
const LATE_CAP_DAYS: f64 = 60.0;

fn timeliness(i: &Inputs) -> Component {
    let mut weighted = 0.0;
    let mut total = 0.0;
    let mut late = 0;
    for inv in i
        .invoices
        .iter()
        .filter(|inv| inv.due_date <= i.today || inv.closed_at.is_some())
    {
        let settled = inv
            .closed_at
            .map_or(i.today, crate::support::clock::nepal_date);
        let days_late = (settled - inv.due_date).num_days().max(0) as f64;
        if days_late > 0.0 {
            late += 1;
        }
        let amount = inv.amount_paisa.max(1) as f64;
        weighted += amount * (1.0 - (days_late / LATE_CAP_DAYS).min(1.0));
        total += amount;
    }
    let (value, explanation) = if total == 0.0 {
        (
            0.5,
            "no invoices have fallen due yet, so payment habits are not known".to_string(),
        )
    } else {
        (
            weighted / total,
            format!(
                "{late} of the invoices due so far were paid late or are still unpaid after their due date"
            ),
        )
    };
    Component {
        name: "payment_timeliness".into(),
        weight: 0,
        value,
        explanation,
    }
}

fn utilization(i: &Inputs) -> Component {
    let (value, explanation) = if i.limit_paisa <= 0 {
        (0.0, "there is no credit limit".to_string())
    } else {
        let u = i.used_paisa.max(0) as f64 / i.limit_paisa as f64;
        // Up to 30 % used is healthy; fully used scores nothing.
        let v = if u <= 0.3 {
            1.0
        } else {
            ((1.0 - u) / 0.7).clamp(0.0, 1.0)
        };
        (
            v,
            format!("{:.0} % of the credit limit is in use", u * 100.0),
        )
    };
    Component {
        name: "utilization".into(),
        weight: 0,
        value,
        explanation,
    }
}

fn tenure(i: &Inputs) -> Component {
    let days = (i.today - i.member_since).num_days().max(0);
    Component {
        name: "tenure".into(),
        weight: 0,
        value: (days as f64 / 365.0).min(1.0),
        explanation: format!("a customer for {days} days (a full year counts fully)"),
    }
}

fn regularity(i: &Inputs) -> Component {
    let start = i.today - Duration::weeks(12);
    let mut weeks: Vec<i64> = i
        .order_dates
        .iter()
        .filter(|d| **d > start && **d <= i.today)
        .map(|d| (i.today - *d).num_days() / 7)
        .collect();
    weeks.sort_unstable();
    weeks.dedup();
    Component {
        name: "order_regularity".into(),
        weight: 0,
        value: weeks.len() as f64 / 12.0,
        explanation: format!("ordered in {} of the last 12 weeks", weeks.len()),
    }
}

fn cancellations(i: &Inputs) -> Component {
    let (value, explanation) = if i.recent_orders == 0 {
        (0.5, "no orders in the last 90 days".to_string())
    } else {
        let rate = f64::from(i.recent_cancelled_or_disputed) / f64::from(i.recent_orders);
        (
            1.0 - rate.min(1.0),
            format!(
                "{} of {} orders in the last 90 days were cancelled or disputed",
                i.recent_cancelled_or_disputed, i.recent_orders
            ),
        )
    };
    Component {
        name: "cancellations_and_disputes".into(),
        weight: 0,
        value,
        explanation,
    }
}

/// Computes the score; pure, so the rules can be tested on their own.
pub fn compute(i: &Inputs, w: &Weights, at: DateTime<Utc>) -> Score {
    let mut components = vec![
        timeliness(i),
        utilization(i),
        tenure(i),
        regularity(i),
        cancellations(i),
    ];
    for (c, weight) in components.iter_mut().zip([
        w.timeliness,
        w.utilization,
        w.tenure,
        w.regularity,
        w.cancellations,
    ]) {
        c.weight = weight;
        c.value = (c.value * 1000.0).round() / 1000.0;
    }
    let total: u32 = components.iter().map(|c| c.weight).sum();
    let blended = if total == 0 {
        0.5
    } else {
        components
            .iter()
            .map(|c| c.value * f64::from(c.weight))
            .sum::<f64>()
            / f64::from(total)
    };
    let score = 300 + (600.0 * blended.clamp(0.0, 1.0)).round() as u32;
    Score {
        score,
        at,
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()
    }

    fn base() -> Inputs {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        Inputs {
            today,
            invoices: vec![],
            limit_paisa: 1_000_000,
            used_paisa: 0,
            member_since: today,
            order_dates: vec![],
            recent_orders: 0,
            recent_cancelled_or_disputed: 0,
        }
    }

    fn invoice(due: NaiveDate, closed: Option<NaiveDate>) -> Invoice {
        Invoice {
            order_id: 1,
            retailer_id: 1,
            amount_paisa: 1000,
            paid_paisa: if closed.is_some() { 1000 } else { 0 },
            issued_at: at(),
            due_date: due,
            closed_at: closed.map(|d| d.and_hms_opt(6, 0, 0).unwrap().and_utc()),
        }
    }

    #[test]
    fn the_best_retailer_scores_900_and_the_worst_300() {
        let mut best = base();
        best.member_since = best.today - Duration::days(800);
        best.order_dates = (0..12).map(|w| best.today - Duration::weeks(w)).collect();
        best.recent_orders = 10;
        best.invoices = vec![invoice(
            best.today - Duration::days(10),
            Some(best.today - Duration::days(12)),
        )];
        assert_eq!(compute(&best, &Weights::default(), at()).score, 900);

        let mut worst = base();
        worst.used_paisa = 1_000_000;
        worst.recent_orders = 4;
        worst.recent_cancelled_or_disputed = 4;
        worst.invoices = vec![invoice(worst.today - Duration::days(90), None)];
        assert_eq!(compute(&worst, &Weights::default(), at()).score, 300);
    }

    #[test]
    fn every_component_explains_itself() {
        let s = compute(&base(), &Weights::default(), at());
        assert_eq!(s.components.len(), 5);
        assert!(
            s.components
                .iter()
                .all(|c| !c.explanation.is_empty() && (0.0..=1.0).contains(&c.value))
        );
        assert!((300..=900).contains(&s.score));
    }

    #[test]
    fn paying_late_lowers_the_score() {
        let mut on_time = base();
        on_time.invoices = vec![invoice(
            on_time.today - Duration::days(20),
            Some(on_time.today - Duration::days(21)),
        )];
        let mut late = base();
        late.invoices = vec![invoice(late.today - Duration::days(20), Some(late.today))];
        let w = Weights::default();
        assert!(compute(&on_time, &w, at()).score > compute(&late, &w, at()).score);
    }
}
