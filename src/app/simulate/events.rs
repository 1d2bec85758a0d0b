//! What happens in a simulated day, in time order.

use chrono::{DateTime, Utc};

use crate::orders::Action;

#[derive(Debug, Clone)]
pub enum Event {
    /// The shop (index into the world's shops) orders.
    Place(usize),
    /// The order's current vendor makes this move.
    Vendor(u64, Action),
    /// The shop withdraws its order.
    Withdraw(u64),
    /// The shop pays what is still open on the order's invoice.
    Pay(u64),
    /// Vendors restock and change prices.
    Market,
}

#[derive(Debug, Clone)]
pub struct Timed {
    pub at: DateTime<Utc>,
    pub seq: u64,
    pub event: Event,
}

impl PartialEq for Timed {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timed {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}
