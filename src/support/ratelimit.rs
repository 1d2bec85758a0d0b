//! Sliding-window rate limits keyed by a string (a phone, a client address), read from the
//! injectable clock so tests move time instead of waiting; and which client a request comes
//! from (behind a trusted reverse proxy, the address it forwards).
//!
//! Hand-written rather than `governor` because the login limit counts only *failed* attempts
//! (check without consuming, then record on failure), and because windows must follow the
//! app's clock. Memory stays bounded: idle keys are pruned as the map grows.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
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

    /// Checks and, when allowed, records the hit, under one lock: parallel callers can never
    /// together exceed the limit. A login reserves its failure slot this way before the
    /// password is checked, and gives it back ([`SlidingWindow::clear`]) when it succeeds.
    pub fn check_and_hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), RetryAfter> {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = hits.get_mut(key) {
            self.verdict(q, now)?;
        }
        if hits.len() > PRUNE_ABOVE {
            let window = self.window;
            hits.retain(|_, q| q.back().is_some_and(|t| now - *t < window));
        }
        hits.entry(key.to_string()).or_default().push_back(now);
        Ok(())
    }

    /// Takes back the latest hit of a key (a slot reserved for an attempt that was then
    /// refused for another reason).
    pub fn unhit(&self, key: &str) {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = hits.get_mut(key) {
            q.pop_back();
        }
    }

    /// Forgets every key starting with `prefix` ("" forgets all).
    pub fn clear_prefix(&self, prefix: &str) {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| !k.starts_with(prefix));
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

/// Reverse proxies whose forwarded client address is believed: addresses or CIDR blocks
/// (`127.0.0.1`, `10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    pub fn parse(list: &[String]) -> Result<Self, String> {
        let mut nets = Vec::with_capacity(list.len());
        for item in list {
            let (addr, bits) = item.trim().split_once('/').unwrap_or((item.trim(), ""));
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("'{item}' is not an IP address or CIDR block"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                "" => max,
                b => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("'{item}': the prefix length must be 0 to {max}"))?,
            };
            nets.push((ip, bits));
        }
        Ok(Self(nets))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|&(net, bits)| in_block(ip, net, bits))
    }

    /// The client of a request from `peer`: the peer itself, unless it is a trusted proxy;
    /// then the nearest address in `X-Forwarded-For` (or `Forwarded: for=`) that is not a
    /// trusted proxy. Headers from anyone else are ignored, so a client cannot pick its key.
    pub fn client(
        &self,
        peer: IpAddr,
        x_forwarded_for: Option<&str>,
        forwarded: Option<&str>,
    ) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let chain: Vec<IpAddr> = match (x_forwarded_for, forwarded) {
            (Some(xff), _) => xff
                .split(',')
                .filter_map(|a| parse_addr(a.trim()))
                .collect(),
            (None, Some(f)) => f
                .split(',')
                .filter_map(|part| {
                    part.split(';')
                        .find_map(|kv| {
                            kv.trim()
                                .strip_prefix("for=")
                                .or(kv.trim().strip_prefix("For="))
                        })
                        .and_then(|v| parse_addr(v.trim_matches('"')))
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        chain
            .iter()
            .rev()
            .find(|a| !self.contains(**a))
            .or(chain.first())
            .copied()
            .unwrap_or(peer)
    }
}

/// "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]:4711", "2001:db8::1".
fn parse_addr(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.rsplit_once(':')?.0.parse().ok()
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The key a client is limited by: an IPv4 address, or an IPv6 address's /64 (one household
/// or phone gets a whole /64, so its addresses are one client).
pub fn client_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(a)) => a.to_string(),
        Some(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".into(),
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

    #[test]
    fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies::parse(&["127.0.0.1".into(), "10.0.0.0/8".into()]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Straight from the internet: the header is the client's own invention.
        assert_eq!(
            trusted.client(ip("203.0.113.9"), Some("1.2.3.4"), None),
            ip("203.0.113.9")
        );
        // Through the local proxy: the nearest untrusted hop.
        assert_eq!(
            trusted.client(
                ip("127.0.0.1"),
                Some("6.6.6.6, 198.51.100.7, 10.1.2.3"),
                None
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            trusted.client(
                ip("127.0.0.1"),
                None,
                Some("for=\"[2001:db8::5]:4711\";proto=https")
            ),
            ip("2001:db8::5")
        );
        assert_eq!(trusted.client(ip("127.0.0.1"), None, None), ip("127.0.0.1"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy".into()]).is_err());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        let a = "2001:db8:1:2:aaaa::1".parse().ok();
        let b = "2001:db8:1:2:bbbb::9".parse().ok();
        let c = "2001:db8:1:3::1".parse().ok();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("::ffff:192.0.2.1".parse().ok()), "192.0.2.1");
    }

    #[test]
    fn parallel_attempts_never_pass_the_limit_together() {
        let w = std::sync::Arc::new(SlidingWindow::new(10, Duration::minutes(15)));
        let now = t0();
        let handles: Vec<_> = (0..64)
            .map(|_| {
                let w = w.clone();
                std::thread::spawn(move || w.check_and_hit("k", now).is_ok())
            })
            .collect();
        let passed = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(passed, 10);
    }
}
