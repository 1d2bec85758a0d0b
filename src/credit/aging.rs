//! Aging: what is owed, bucketed by how far past its due date it is (Nepal dates).
//!
//! Buckets are configured as the upper bounds of days past due, e.g. `[30, 60, 90]` gives
//! "not yet due", "1–30", "31–60", "61–90" and "over 90".

use chrono::NaiveDate;
use serde::Serialize;

use super::Invoice;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    pub label: String,
    /// Days past due covered, inclusive; `to` is null for the last bucket.
    pub from_days: i64,
    pub to_days: Option<i64>,
    pub amount_paisa: i64,
    pub invoices: u32,
}

/// Buckets the open amounts of `invoices` as of `today`.
pub fn buckets(invoices: &[Invoice], today: NaiveDate, bounds: &[i64]) -> Vec<Bucket> {
    let mut out = vec![Bucket {
        label: "not yet due".into(),
        from_days: i64::MIN,
        to_days: Some(0),
        amount_paisa: 0,
        invoices: 0,
    }];
    let mut from = 1;
    for &to in bounds {
        out.push(Bucket {
            label: format!("{from}-{to} days"),
            from_days: from,
            to_days: Some(to),
            amount_paisa: 0,
            invoices: 0,
        });
        from = to + 1;
    }
    out.push(Bucket {
        label: format!("over {} days", from - 1),
        from_days: from,
        to_days: None,
        amount_paisa: 0,
        invoices: 0,
    });
    for inv in invoices.iter().filter(|i| i.open_paisa() > 0) {
        let late = (today - inv.due_date).num_days();
        let b = out
            .iter_mut()
            .find(|b| late >= b.from_days && b.to_days.is_none_or(|t| late <= t))
            .expect("the buckets cover every day");
        b.amount_paisa += inv.open_paisa();
        b.invoices += 1;
    }
    for b in &mut out {
        if b.from_days == i64::MIN {
            b.from_days = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn inv(order_id: u64, due: &str, open: i64) -> Invoice {
        Invoice {
            order_id,
            retailer_id: 1,
            amount_paisa: open,
            paid_paisa: 0,
            issued_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            due_date: due.parse().unwrap(),
            closed_at: None,
        }
    }

    #[test]
    fn open_amounts_fall_in_the_bucket_of_their_days_past_due() {
        let today: NaiveDate = "2026-06-30".parse().unwrap();
        let invoices = [
            inv(1, "2026-07-05", 100),
            inv(2, "2026-06-30", 50),
            inv(3, "2026-06-29", 10),
            inv(4, "2026-05-31", 20),
            inv(5, "2026-05-30", 30),
            inv(6, "2026-01-01", 40),
        ];
        let b = buckets(&invoices, today, &[30, 60, 90]);
        let amounts: Vec<i64> = b.iter().map(|b| b.amount_paisa).collect();
        assert_eq!(amounts, vec![150, 30, 30, 0, 40]);
        assert_eq!(b[1].label, "1-30 days");
        assert_eq!(b[4].label, "over 90 days");
    }
}
