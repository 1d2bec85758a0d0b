//! The order's demand per product, and what one vendor can fill of it.
//!
//! Owns grouping lines by product (quantities of repeated products add up, so a vendor is never
//! asked for more than it holds), picking a vendor's best listing for each product, and naming
//! what a vendor lacks. It never scores or ranks vendors.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Line, Offer, Vendor, reason};

/// One distinct product of the order, with its total quantity and the lines that ask for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub product_id: u64,
    pub quantity: u64,
    pub lines: Vec<usize>,
}

/// The order as routing works on it: distinct products in order of first appearance.
#[derive(Debug)]
pub(crate) struct Demand<'a> {
    pub lines: &'a [Line],
    pub items: Vec<Item>,
    /// Product id → item index, open addressing at most half full. Every offer of every vendor
    /// is looked up here, most of them for products not in the order, so a miss must be cheap:
    /// one or two probes rather than a binary search.
    slots: Vec<(u64, usize)>,
    shift: u32,
}

const EMPTY: usize = usize::MAX;

fn slot_of(product_id: u64, shift: u32) -> usize {
    // Fibonacci hashing: the top bits of a multiply spread sequential ids evenly.
    (product_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

impl<'a> Demand<'a> {
    pub fn new(lines: &'a [Line]) -> Self {
        let mut order: Vec<(u64, usize)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.product_id, i))
            .collect();
        order.sort_unstable();
        let mut items: Vec<Item> = Vec::new();
        for (product_id, line) in order {
            let quantity = lines.get(line).map_or(0, |l| u64::from(l.quantity));
            match items.last_mut() {
                Some(last) if last.product_id == product_id => {
                    last.quantity = last.quantity.saturating_add(quantity);
                    last.lines.push(line);
                }
                _ => items.push(Item {
                    product_id,
                    quantity,
                    lines: vec![line],
                }),
            }
        }
        // Lines within an item are ascending, so `lines[0]` is where the product first appears.
        items.sort_by_key(|it| it.lines.first().copied().unwrap_or(usize::MAX));
        let size = items.len().saturating_mul(2).max(8).next_power_of_two();
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![(0, EMPTY); size];
        for (i, it) in items.iter().enumerate() {
            let mut at = slot_of(it.product_id, shift);
            while let Some(slot) = slots.get_mut(at) {
                if slot.1 == EMPTY {
                    *slot = (it.product_id, i);
                    break;
                }
                at = (at + 1) & (size - 1);
            }
        }
        Demand {
            lines,
            items,
            slots,
            shift,
        }
    }

    pub fn item_of(&self, product_id: u64) -> Option<usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = slot_of(product_id, self.shift);
        // At most half full, so an empty slot always ends the probe; the bound is a backstop.
        for _ in 0..self.slots.len() {
            let &(p, i) = self.slots.get(at)?;
            if i == EMPTY {
                return None;
            }
            if p == product_id {
                return Some(i);
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// The product's display name from its first line, or `product #id` when blank.
    pub fn name(&self, item: usize) -> Cow<'a, str> {
        let item = self.items.get(item);
        let named = item
            .and_then(|it| it.lines.first())
            .and_then(|&l| self.lines.get(l))
            .map(|l| l.name.trim())
            .filter(|n| !n.is_empty());
        match (named, item) {
            (Some(n), _) => Cow::Borrowed(n),
            (None, Some(it)) => Cow::Owned(format!("product #{}", it.product_id)),
            (None, None) => Cow::Borrowed("a product"),
        }
    }
}

/// What a vendor can do for one product of the order, best listing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    Filled {
        listing_id: u64,
        price_paisa: i64,
        stock: i64,
    },
    Short {
        stock: i64,
    },
    NotOrderable,
    BadPrice,
    NotSold,
}

impl Fill {
    pub fn is_filled(&self) -> bool {
        matches!(self, Fill::Filled { .. })
    }

    fn rank(&self) -> u8 {
        match self {
            Fill::Filled { .. } => 4,
            Fill::Short { .. } => 3,
            Fill::NotOrderable => 2,
            Fill::BadPrice => 1,
            Fill::NotSold => 0,
        }
    }

    /// Cheapest filling listing first (then more stock, then lower listing id, so the pick is
    /// deterministic); among failures the one closest to filling, so the reason is the useful one.
    fn better_than(&self, other: &Fill) -> bool {
        match (self, other) {
            (
                Fill::Filled {
                    listing_id: l1,
                    price_paisa: p1,
                    stock: s1,
                },
                Fill::Filled {
                    listing_id: l2,
                    price_paisa: p2,
                    stock: s2,
                },
            ) => (p1, std::cmp::Reverse(s1), l1) < (p2, std::cmp::Reverse(s2), l2),
            (Fill::Short { stock: s1 }, Fill::Short { stock: s2 }) => s1 > s2,
            _ => self.rank() > other.rank(),
        }
    }
}

fn judge(offer: &Offer, quantity: u64) -> Fill {
    if offer.price_paisa < 0 {
        Fill::BadPrice
    } else if !offer.orderable {
        Fill::NotOrderable
    } else if i128::from(offer.stock) < i128::from(quantity) {
        Fill::Short { stock: offer.stock }
    } else {
        Fill::Filled {
            listing_id: offer.listing_id,
            price_paisa: offer.price_paisa,
            stock: offer.stock,
        }
    }
}

/// The best fill of each item at `vendor`, and whether it offers any of them at all.
pub(crate) fn holding(vendor: &Vendor, demand: &Demand<'_>) -> (Vec<Fill>, bool) {
    let mut fills = vec![Fill::NotSold; demand.items.len()];
    let mut holds_any = false;
    for offer in &vendor.offers {
        let Some(i) = demand.item_of(offer.product_id) else {
            continue;
        };
        holds_any = true;
        let quantity = demand.items.get(i).map_or(0, |it| it.quantity);
        let candidate = judge(offer, quantity);
        if let Some(slot) = fills.get_mut(i)
            && candidate.better_than(slot)
        {
            *slot = candidate;
        }
    }
    (fills, holds_any)
}

/// The listing and unit price a vendor fills one line from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub line: usize,
    pub listing_id: u64,
    pub price_paisa: i64,
}

/// Why one line (index into the order's lines) cannot be served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineIssue {
    pub line: usize,
    pub reason: String,
}

/// What `vendor` would fill each line from (cheapest listing that can fill it), in line order,
/// or every line it cannot fill with the reason. It does not look at `active` or history:
/// call it for the vendor [`decide`](super::decide) or [`split`](super::split) chose.
pub fn fill(vendor: &Vendor, lines: &[Line]) -> Result<Vec<Pick>, Vec<LineIssue>> {
    let demand = Demand::new(lines);
    let (fills, _) = holding(vendor, &demand);
    let mut picks = Vec::with_capacity(lines.len());
    let mut issues = Vec::new();
    for (i, (item, f)) in demand.items.iter().zip(&fills).enumerate() {
        for &line in &item.lines {
            match *f {
                Fill::Filled {
                    listing_id,
                    price_paisa,
                    ..
                } => picks.push(Pick {
                    line,
                    listing_id,
                    price_paisa,
                }),
                other => issues.push(LineIssue {
                    line,
                    reason: reason::missing(other, &demand.name(i), item.quantity),
                }),
            }
        }
    }
    if issues.is_empty() {
        picks.sort_by_key(|p| p.line);
        Ok(picks)
    } else {
        issues.sort_by_key(|i| i.line);
        Err(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product_id: u64, quantity: u32) -> Line {
        Line {
            product_id,
            quantity,
            name: format!("P{product_id}"),
        }
    }

    fn offer(product_id: u64, listing_id: u64, price_paisa: i64, stock: i64) -> Offer {
        Offer {
            product_id,
            listing_id,
            price_paisa,
            stock,
            orderable: true,
        }
    }

    #[test]
    fn repeated_products_are_one_demand_with_the_quantities_added() {
        let lines = [line(7, 3), line(2, 1), line(7, 4)];
        let d = Demand::new(&lines);
        assert_eq!(d.items.len(), 2);
        assert_eq!(d.items[0].product_id, 7);
        assert_eq!(d.items[0].quantity, 7);
        assert_eq!(d.items[0].lines, vec![0, 2]);
        assert_eq!(d.item_of(2), Some(1));
        assert_eq!(d.item_of(99), None);
    }

    #[test]
    fn a_vendor_short_on_the_added_quantity_cannot_fill_repeated_lines() {
        let lines = [line(7, 3), line(7, 4)];
        let v = Vendor {
            offers: vec![offer(7, 1, 100, 5)],
            ..Vendor::default()
        };
        let issues = fill(&v, &lines).unwrap_err();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].reason, "only 5 of P7 in stock, 7 needed");
    }

    #[test]
    fn the_cheapest_listing_that_can_fill_is_picked() {
        let lines = [line(1, 10)];
        let v = Vendor {
            offers: vec![
                offer(1, 1, 90, 5),
                offer(1, 2, 120, 50),
                offer(1, 3, 100, 50),
            ],
            ..Vendor::default()
        };
        let picks = fill(&v, &lines).unwrap();
        assert_eq!(picks[0].listing_id, 3);
        assert_eq!(picks[0].price_paisa, 100);
    }

    #[test]
    fn the_reason_names_the_failure_closest_to_filling() {
        let lines = [line(1, 10)];
        let mut not_orderable = offer(1, 1, 90, 50);
        not_orderable.orderable = false;
        let v = Vendor {
            offers: vec![not_orderable, offer(1, 2, 90, 0)],
            ..Vendor::default()
        };
        let issues = fill(&v, &lines).unwrap_err();
        assert_eq!(issues[0].reason, "no stock of P1");
    }

    #[test]
    fn a_negative_price_is_never_filled_from() {
        let lines = [line(1, 1)];
        let v = Vendor {
            offers: vec![offer(1, 1, -5, 50)],
            ..Vendor::default()
        };
        assert!(fill(&v, &lines).is_err());
    }
}
