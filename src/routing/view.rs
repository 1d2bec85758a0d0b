//! One vendor as seen for one order: what it can fill, whether it may be used at all, its
//! reliability, and its factors for a chosen set of the order's products.
//!
//! Owns the gating that does not depend on the other vendors (inactive, excluded, taken by
//! another part, proven unreliable) and the paisa totals behind the price factor. It never
//! ranks vendors or writes reasons.

use super::demand::{Demand, Fill, holding};
use super::score::{self, Reliability};
use super::{Config, Factors, Place, Vendor};

/// Whether a vendor may be used for this order, before looking at what it can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    Open,
    Inactive,
    Excluded,
    /// Already holds another part of the same split order.
    Taken,
    /// Trusted history with reliability below `min_reliability`.
    Unreliable,
}

#[derive(Debug)]
pub(crate) struct View<'a> {
    pub vendor: &'a Vendor,
    pub fills: Vec<Fill>,
    pub gate: Gate,
    pub reliability: Reliability,
}

/// Sorted ids for membership tests that stay fast however long the caller's list is.
fn id_set(ids: &[u64]) -> Vec<u64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn gate(v: &Vendor, r: &Reliability, excluded: &[u64], taken: &[u64], cfg: &Config) -> Gate {
    if !v.active {
        Gate::Inactive
    } else if excluded.binary_search(&v.vendor_id).is_ok() {
        Gate::Excluded
    } else if taken.binary_search(&v.vendor_id).is_ok() {
        Gate::Taken
    } else if r.trusted && r.value < cfg.min_reliability {
        Gate::Unreliable
    } else {
        Gate::Open
    }
}

/// A view of every vendor that offers at least one of the order's products; a vendor id seen
/// twice keeps its first entry, so one vendor can never hold two ranks.
pub(crate) fn assess<'a>(
    vendors: &'a [Vendor],
    demand: &Demand<'_>,
    exclude: &[u64],
    taken: &[u64],
    cfg: &Config,
) -> Vec<View<'a>> {
    let (excluded, taken) = (id_set(exclude), id_set(taken));
    let mut seen = std::collections::HashSet::with_capacity(vendors.len());
    let mut views = Vec::new();
    for vendor in vendors {
        if !seen.insert(vendor.vendor_id) {
            continue;
        }
        let (fills, holds_any) = holding(vendor, demand);
        if !holds_any {
            continue;
        }
        let reliability = score::reliability(&vendor.stats, cfg);
        let gate = gate(vendor, &reliability, &excluded, &taken, cfg);
        views.push(View {
            vendor,
            fills,
            gate,
            reliability,
        });
    }
    views
}

impl View<'_> {
    pub fn fills_all(&self) -> bool {
        self.fills.iter().all(Fill::is_filled)
    }

    pub fn filled_items(&self) -> Vec<usize> {
        (0..self.fills.len())
            .filter(|&i| self.fills.get(i).is_some_and(Fill::is_filled))
            .collect()
    }

    /// Paisa total of the given items at this vendor's picked listings (unfilled items count 0).
    pub fn total(&self, demand: &Demand<'_>, items: &[usize]) -> i128 {
        items
            .iter()
            .filter_map(|&i| match (self.fills.get(i)?, demand.items.get(i)?) {
                (Fill::Filled { price_paisa, .. }, item) => {
                    Some(i128::from(*price_paisa) * i128::from(item.quantity))
                }
                _ => None,
            })
            .sum()
    }

    /// Factors for the given items; `price` comes from the caller, who knows the reference.
    pub fn factors(
        &self,
        demand: &Demand<'_>,
        items: &[usize],
        price: f64,
        retailer: &Place,
        cfg: &Config,
    ) -> Factors {
        Factors {
            availability: score::availability(&self.fills, &demand.items, items, cfg),
            price,
            proximity: score::proximity(score::nearness(self.vendor, retailer), cfg),
            workload: score::workload(self.vendor.open_orders, cfg),
            reliability: self.reliability.value,
        }
    }
}

/// The cheapest unit price of each item among the open vendors that can fill it.
pub(crate) fn cheapest_per_item(views: &[View<'_>], items: usize) -> Vec<Option<i64>> {
    let mut best: Vec<Option<i64>> = vec![None; items];
    for view in views.iter().filter(|v| v.gate == Gate::Open) {
        for (slot, fill) in best.iter_mut().zip(&view.fills) {
            if let Fill::Filled { price_paisa, .. } = *fill {
                *slot = Some(slot.map_or(price_paisa, |p| p.min(price_paisa)));
            }
        }
    }
    best
}

/// The reference total for the items this vendor fills: the cheapest open price of each item,
/// or the vendor's own where no open vendor has it (a gated vendor compared with itself).
pub(crate) fn reference_total(
    view: &View<'_>,
    demand: &Demand<'_>,
    items: &[usize],
    cheapest: &[Option<i64>],
) -> i128 {
    items
        .iter()
        .filter_map(|&i| {
            let Fill::Filled { price_paisa, .. } = *view.fills.get(i)? else {
                return None;
            };
            let unit = cheapest.get(i).copied().flatten().unwrap_or(price_paisa);
            Some(i128::from(unit.min(price_paisa)) * i128::from(demand.items.get(i)?.quantity))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{Line, Offer, VendorStats};

    fn seller(vendor_id: u64, active: bool, stats: VendorStats, price_paisa: i64) -> Vendor {
        Vendor {
            vendor_id,
            active,
            stats,
            offers: vec![Offer {
                product_id: 1,
                listing_id: vendor_id,
                price_paisa,
                stock: 10,
                orderable: true,
            }],
            ..Vendor::default()
        }
    }

    #[test]
    fn gates_are_checked_inactive_then_excluded_then_taken_then_reliability() {
        let lines = [Line {
            product_id: 1,
            quantity: 1,
            name: String::new(),
        }];
        let demand = Demand::new(&lines);
        let hopeless = VendorStats {
            offered: 20,
            rejected: 20,
            ..VendorStats::default()
        };
        let vendors = [
            seller(1, false, VendorStats::default(), 100),
            seller(2, true, VendorStats::default(), 100),
            seller(3, true, VendorStats::default(), 100),
            seller(4, true, hopeless, 100),
            seller(5, true, VendorStats::default(), 100),
        ];
        let views = assess(&vendors, &demand, &[1, 2], &[3], &Config::default());
        let gates: Vec<Gate> = views.iter().map(|v| v.gate).collect();
        use Gate::*;
        assert_eq!(gates, vec![Inactive, Excluded, Taken, Unreliable, Open]);
    }

    #[test]
    fn a_gated_vendor_is_priced_against_open_vendors_or_else_itself() {
        let lines = [Line {
            product_id: 1,
            quantity: 3,
            name: String::new(),
        }];
        let demand = Demand::new(&lines);
        let vendors = [
            seller(1, true, VendorStats::default(), 90),
            seller(2, false, VendorStats::default(), 120),
        ];
        let views = assess(&vendors, &demand, &[], &[], &Config::default());
        let cheapest = cheapest_per_item(&views, 1);
        assert_eq!(cheapest, vec![Some(90)]);
        assert_eq!(reference_total(&views[1], &demand, &[0], &cheapest), 270);
        let alone = assess(&vendors[1..], &demand, &[], &[], &Config::default());
        let none = cheapest_per_item(&alone, 1);
        assert_eq!(reference_total(&alone[0], &demand, &[0], &none), 360);
    }
}
