//! Sliding-window rate limits keyed by a string (a phone, an IP), read from the injectable
//! clock so tests move time instead of waiting.
//!
//! Hand-written rather than `governor` because the login limit counts only *failed* attempts
//! (check without consuming, then record on failure), and because windows must follow the
//! app's clock. Memory stays bounded: idle keys are pruned as the map grows.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Past this many keys, idle ones are pruned on the next hit.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct SlidingWindow {
    limit: u32,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

/// Refused: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl SlidingWindow {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether another hit would be allowed now, without recording one.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), RetryAfter> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        match hits.get_mut(key) {
            Some(q) => self.verdict(q, now),
            None => Ok(()),
        }
    }

    /// Records a hit (a failure, for the login limit).
    pub fn hit(&self, key: &str, now: DateTime<Utc>) {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > PRUNE_ABOVE {
            let window = self.window;
            hits.retain(|_, q| q.back().is_some_and(|t| now - *t < window));
        }
        hits.entry(key.to_string()).or_default().push_back(now);
    }

    /// Checks and, when allowed, records the hit in one step.
    pub fn check_and_hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), RetryAfter> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = hits.get_mut(key) {
            self.verdict(q, now)?;
        }
        drop(hits);
        self.hit(key, now);
        Ok(())
    }

    /// Forgets a key (a successful login clears its failures).
    pub fn clear(&self, key: &str) {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }

    fn verdict(
        &self,
        q: &mut VecDeque<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        while q.front().is_some_and(|t| now - *t >= self.window) {
            q.pop_front();
        }
        if q.len() < self.limit as usize {
            return Ok(());
        }
        let oldest = *q.front().expect("a full window is not empty");
        let wait = (oldest + self.window - now).num_seconds().max(1);
        Err(RetryAfter(wait as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap()
    }

    #[test]
    fn the_hit_past_the_limit_is_refused_until_the_window_moves_on() {
        let w = SlidingWindow::new(3, Duration::minutes(1));
        for _ in 0..3 {
            w.check_and_hit("a", t0()).unwrap();
        }
        assert_eq!(
            w.check_and_hit("a", t0() + Duration::seconds(10)),
            Err(RetryAfter(50))
        );
        assert!(w.check("b", t0()).is_ok(), "other keys are not affected");
        assert!(w.check_and_hit("a", t0() + Duration::seconds(60)).is_ok());
    }

    #[test]
    fn checking_does_not_consume_and_clearing_forgets() {
        let w = SlidingWindow::new(1, Duration::minutes(15));
        assert!(w.check("p", t0()).is_ok());
        assert!(w.check("p", t0()).is_ok());
        w.hit("p", t0());
        assert!(w.check("p", t0()).is_err());
        w.clear("p");
        assert!(w.check("p", t0()).is_ok());
    }
}
