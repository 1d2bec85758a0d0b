//! Scoring every vendor that holds an order's products and choosing the best eligible one.
//!
//! Owns eligibility (active, not excluded, fills every line, trusted reliability not below the
//! minimum, score not below the minimum), the price reference (the cheapest total among vendors
//! able to fill the whole order), the ranking that re-routing walks down, and the assembly of
//! reasons. It reads nothing but its arguments and never panics.

use super::demand::Demand;
use super::reason::{self, Block, Facts, PriceFact};
use super::score::{self, round};
use super::view::{self, Gate, View};
use super::{CandidateScore, Config, Decision, Line, Place, Vendor};

/// Scores every vendor offering any of the order's products and chooses the best eligible one.
///
/// Eligible means: active, not in `exclude` (the vendors already tried for this order), able
/// to fill every line (an orderable listing with stock ≥ the quantity), not proven unreliable
/// (`min_reliability`, once `cold_start_orders` offers were answered), and scoring at least
/// `min_score`. Candidates come best first (eligible, then score, then lower vendor id), so a
/// reject or missed deadline re-routes by calling this again with the tried vendors excluded.
pub fn decide(
    lines: &[Line],
    vendors: &[Vendor],
    retailer: &Place,
    exclude: &[u64],
    cfg: &Config,
) -> Decision {
    decide_among(lines, vendors, retailer, exclude, &[], cfg)
}

/// [`decide`] with `taken` vendors (those serving other parts of a split) kept out.
pub(crate) fn decide_among(
    lines: &[Line],
    vendors: &[Vendor],
    retailer: &Place,
    exclude: &[u64],
    taken: &[u64],
    cfg: &Config,
) -> Decision {
    let cfg = cfg.sanitized();
    if lines.is_empty() {
        return Decision {
            chosen_vendor_id: None,
            reason: "The order has no lines".to_string(),
            candidates: Vec::new(),
        };
    }
    let demand = Demand::new(lines);
    let views = view::assess(vendors, &demand, exclude, taken, &cfg);
    let board = Board::new(&views, &demand);
    let mut candidates: Vec<CandidateScore> = views
        .iter()
        .map(|v| candidate(v, &demand, &board, retailer, &cfg))
        .collect();
    candidates.sort_by(|a, b| {
        b.eligible
            .cmp(&a.eligible)
            .then(b.score.total_cmp(&a.score))
            .then(a.vendor_id.cmp(&b.vendor_id))
    });
    let chosen_vendor_id = candidates
        .first()
        .filter(|c| c.eligible)
        .map(|c| c.vendor_id);
    let reason = summary(&candidates);
    Decision {
        chosen_vendor_id,
        reason,
        candidates,
    }
}

/// The decision's reason: the chosen vendor's, or why nobody was chosen.
fn summary(ranked: &[CandidateScore]) -> String {
    match ranked.first() {
        Some(best) if best.eligible => best.reason.clone(),
        Some(best) => format!(
            "No vendor can take the whole order; closest is {}",
            best.reason
        ),
        None => "No vendor offers any of these products".to_string(),
    }
}

/// Paisa totals of the vendors that may take the whole order, and the cheapest price of each
/// item for comparing the vendors that cannot.
struct Board {
    all_items: Vec<usize>,
    /// Ascending totals of open vendors that fill every item.
    totals: Vec<i128>,
    cheapest: Vec<Option<i64>>,
}

impl Board {
    fn new(views: &[View<'_>], demand: &Demand<'_>) -> Self {
        let all_items: Vec<usize> = (0..demand.items.len()).collect();
        let mut totals: Vec<i128> = views
            .iter()
            .filter(|v| v.gate == Gate::Open && v.fills_all())
            .map(|v| v.total(demand, &all_items))
            .collect();
        totals.sort_unstable();
        Board {
            all_items,
            totals,
            cheapest: view::cheapest_per_item(views, demand.items.len()),
        }
    }

    /// Where a whole-order total stands among the able vendors' totals.
    fn fact(&self, total: i128) -> PriceFact {
        let min = self.totals.first().copied().unwrap_or(total);
        if self.totals.len() <= 1 {
            PriceFact::Lone
        } else if total > min {
            PriceFact::Dearer {
                gap_bps: reason::gap_bps(total, min, min),
            }
        } else {
            match self.totals.iter().find(|&&t| t > total) {
                Some(&next) if self.totals.get(1) != Some(&total) => PriceFact::Cheapest {
                    next_gap_bps: reason::gap_bps(next, total, next),
                },
                Some(_) | None => PriceFact::TiedCheapest,
            }
        }
    }
}

/// One vendor's score, eligibility and reason for this order.
fn candidate(
    v: &View<'_>,
    demand: &Demand<'_>,
    board: &Board,
    retailer: &Place,
    cfg: &Config,
) -> CandidateScore {
    let (price, price_fact) = price_of(v, demand, board, cfg);
    let raw = v.factors(demand, &board.all_items, price, retailer, cfg);
    let score = round(score::weighted(&raw, &cfg.weights), 2);
    let block = block(v, demand, score, cfg);
    let name = reason::vendor_name(v.vendor);
    // Facts are only worth formatting for vendors that could take the order.
    let text = match &block {
        None => facts_text(v, demand, price_fact, retailer, cfg),
        Some(b @ Block::LowScore { .. }) => {
            reason::blocked(b, "", &facts_text(v, demand, price_fact, retailer, cfg))
        }
        Some(b @ Block::Unreliable { .. }) => {
            let history = reason::history_phrase(&v.vendor.stats, v.reliability.trusted);
            reason::blocked(b, &history, "")
        }
        Some(b) => reason::blocked(b, "", ""),
    };
    CandidateScore {
        vendor_id: v.vendor.vendor_id,
        score,
        factors: rounded(raw),
        eligible: block.is_none(),
        reason: format!("{name}: {text}"),
    }
}

/// How many missing products a reason names before "and N more".
const SHOWN_GAPS: usize = 2;

/// The price factor, and for a vendor able to take the whole order where its total stands.
fn price_of(
    v: &View<'_>,
    demand: &Demand<'_>,
    board: &Board,
    cfg: &Config,
) -> (f64, Option<PriceFact>) {
    if v.gate == Gate::Open && v.fills_all() {
        let total = v.total(demand, &board.all_items);
        let min = board.totals.first().copied().unwrap_or(total);
        return (score::price(total, min, cfg), Some(board.fact(total)));
    }
    // Display only: a vendor that cannot take the order is compared, item by item, with the
    // cheapest open price of the items it does have.
    let filled = v.filled_items();
    if filled.is_empty() {
        return (0.0, None);
    }
    let total = v.total(demand, &filled);
    let reference = view::reference_total(v, demand, &filled, &board.cheapest);
    (score::price(total, reference, cfg), None)
}

/// The first thing that keeps a vendor from taking the order, if anything does.
fn block(v: &View<'_>, demand: &Demand<'_>, score: f64, cfg: &Config) -> Option<Block> {
    match v.gate {
        Gate::Inactive => return Some(Block::Inactive),
        Gate::Excluded => return Some(Block::Excluded),
        Gate::Taken => return Some(Block::Taken),
        Gate::Unreliable | Gate::Open => {}
    }
    // Only the first two gaps are named; formatting the rest for 300 vendors would be waste.
    let mut gaps = v
        .fills
        .iter()
        .zip(&demand.items)
        .enumerate()
        .filter(|(_, (f, _))| !f.is_filled());
    let shown: Vec<String> = gaps
        .by_ref()
        .take(SHOWN_GAPS)
        .map(|(i, (f, item))| reason::missing(*f, &demand.name(i), item.quantity))
        .collect();
    if !shown.is_empty() {
        let more = gaps.count();
        return Some(Block::Missing { shown, more });
    }
    if v.gate == Gate::Unreliable {
        return Some(Block::Unreliable {
            value: v.reliability.value,
            min: cfg.min_reliability,
        });
    }
    (score < cfg.min_score).then_some(Block::LowScore {
        score,
        min: cfg.min_score,
    })
}

fn facts_text(
    v: &View<'_>,
    demand: &Demand<'_>,
    price: Option<PriceFact>,
    retailer: &Place,
    cfg: &Config,
) -> String {
    let tight = v
        .fills
        .iter()
        .zip(&demand.items)
        .filter(|(f, item)| f.is_filled() && score::item_availability(f, item.quantity, cfg) < 1.0)
        .count();
    reason::facts(&Facts {
        items: demand.items.len(),
        tight,
        price,
        nearness: score::nearness(v.vendor, retailer),
        open_orders: v.vendor.open_orders,
        stats: &v.vendor.stats,
        trusted: v.reliability.trusted,
    })
}

fn rounded(f: super::Factors) -> super::Factors {
    super::Factors {
        availability: round(f.availability, 3),
        price: round(f.price, 3),
        proximity: round(f.proximity, 3),
        workload: round(f.workload, 3),
        reliability: round(f.reliability, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(totals: &[i128]) -> Board {
        Board {
            all_items: vec![0],
            totals: totals.to_vec(),
            cheapest: vec![None],
        }
    }

    #[test]
    fn the_price_fact_compares_the_cheapest_with_the_next_and_others_with_the_cheapest() {
        assert_eq!(board(&[100]).fact(100), PriceFact::Lone);
        assert_eq!(
            board(&[100, 125]).fact(100),
            PriceFact::Cheapest { next_gap_bps: 2000 }
        );
        assert_eq!(
            board(&[100, 125]).fact(125),
            PriceFact::Dearer { gap_bps: 2500 }
        );
        assert_eq!(board(&[100, 100, 125]).fact(100), PriceFact::TiedCheapest);
    }

    #[test]
    fn an_empty_order_chooses_nobody_and_says_so() {
        let d = decide(&[], &[], &Place::default(), &[], &Config::default());
        assert_eq!(d.chosen_vendor_id, None);
        assert_eq!(d.reason, "The order has no lines");
    }

    #[test]
    fn a_vendor_id_given_twice_is_ranked_once_by_its_first_entry() {
        let offer = super::super::Offer {
            product_id: 1,
            listing_id: 1,
            price_paisa: 100,
            stock: 10,
            orderable: true,
        };
        let first = Vendor {
            vendor_id: 5,
            active: true,
            offers: vec![offer.clone()],
            ..Vendor::default()
        };
        let second = Vendor {
            active: false,
            ..first.clone()
        };
        let lines = [Line {
            product_id: 1,
            quantity: 1,
            name: "Salt".into(),
        }];
        let d = decide(
            &lines,
            &[first, second],
            &Place::default(),
            &[],
            &Config::default(),
        );
        assert_eq!(d.candidates.len(), 1);
        assert_eq!(d.chosen_vendor_id, Some(5));
    }
}
