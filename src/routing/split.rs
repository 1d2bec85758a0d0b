//! Splitting a cart no single vendor can fill into the fewest orders, one vendor each: the
//! vendor set (exact minimum cover up to `exact_split_max_lines` products, greedy beyond), each
//! product to the best vendor of the set, then each part routed as its own order.
//! Never assigns a line to a vendor that cannot fill it, nor gives one vendor two parts.

use serde::{Deserialize, Serialize};

use super::decide::decide_among;
use super::demand::{Demand, Fill, LineIssue};
use super::reason;
use super::score;
use super::view::{self, Gate, View};
use super::{Config, Decision, Line, Place, Vendor, cover};

/// How the vendor set was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMethod {
    /// Proven minimum number of vendors (then best total score).
    Exact,
    /// Greedy cover for carts beyond `exact_split_max_lines` distinct products.
    Greedy,
}

/// One order of a split: its vendor, the indexes of the original lines it carries, and its own
/// routing decision (stored with the order; re-routing it is a [`decide`](super::decide) over
/// these lines).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub vendor_id: u64,
    pub lines: Vec<usize>,
    pub decision: Decision,
}

/// A cart split into parts; every line is in exactly one part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub parts: Vec<Part>,
    pub method: SplitMethod,
    pub reason: String,
}

/// Why a cart cannot be split, with the lines at fault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unsplittable {
    pub reason: String,
    pub lines: Vec<LineIssue>,
}

/// A pool vendor: what it can fill and how good it is on those products.
struct Member {
    vendor_id: u64,
    items: Vec<usize>,
    score: f64,
}

/// Splits the cart across as few vendors as possible, then the best total score; each part is
/// then routed by [`decide`](super::decide) over its own lines among the vendors that hold no
/// other part, so a part goes to the best vendor for exactly what it carries.
///
/// A cart one vendor can fill comes back as a single part. Fails with a reason per line when
/// some product has no usable vendor, or (only with a raised `min_score`) when a part has no
/// vendor scoring high enough.
pub fn split(
    lines: &[Line],
    vendors: &[Vendor],
    retailer: &Place,
    exclude: &[u64],
    cfg: &Config,
) -> Result<Split, Unsplittable> {
    let cfg = cfg.sanitized();
    if lines.is_empty() {
        return Err(Unsplittable {
            reason: "The order has no lines".to_string(),
            lines: Vec::new(),
        });
    }
    let demand = Demand::new(lines);
    let views = view::assess(vendors, &demand, exclude, &[], &cfg);
    let pool = pool(&views, &demand, retailer, &cfg);
    let issues = uncovered(&views, &pool, &demand);
    if !issues.is_empty() {
        return Err(unfillable(issues));
    }
    let n = demand.items.len();
    let sets: Vec<Vec<usize>> = pool.iter().map(|m| m.items.clone()).collect();
    let scores: Vec<f64> = pool.iter().map(|m| m.score).collect();
    let (method, chosen) = if n <= cfg.exact_split_max_lines {
        (SplitMethod::Exact, cover::exact(n, &sets, &scores))
    } else {
        (SplitMethod::Greedy, cover::greedy(n, &sets))
    };
    let Some(chosen) = chosen else {
        return Err(Unsplittable {
            reason: "No set of vendors covers every line".to_string(),
            lines: Vec::new(),
        });
    };
    let groups = assign(&demand, &pool, &chosen);
    let parts = route_parts(lines, vendors, retailer, exclude, &cfg, groups)?;
    let reason = split_reason(&parts, vendors, method);
    Ok(Split {
        parts,
        method,
        reason,
    })
}

/// Open vendors filling at least one product, scored on the products they fill (price against
/// the cheapest open price of each), best first and ties to the lower id.
fn pool(views: &[View<'_>], demand: &Demand<'_>, retailer: &Place, cfg: &Config) -> Vec<Member> {
    let cheapest = view::cheapest_per_item(views, demand.items.len());
    let mut pool: Vec<Member> = views
        .iter()
        .filter(|v| v.gate == Gate::Open)
        .filter_map(|v| {
            let items = v.filled_items();
            if items.is_empty() {
                return None;
            }
            let total = v.total(demand, &items);
            let reference = view::reference_total(v, demand, &items, &cheapest);
            let price = score::price(total, reference, cfg);
            let factors = v.factors(demand, &items, price, retailer, cfg);
            Some(Member {
                vendor_id: v.vendor.vendor_id,
                score: score::round(score::weighted(&factors, &cfg.weights), 2),
                items,
            })
        })
        .collect();
    pool.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.vendor_id.cmp(&b.vendor_id))
    });
    pool
}

/// A reason for each line whose product no pool vendor can fill.
fn uncovered(views: &[View<'_>], pool: &[Member], demand: &Demand<'_>) -> Vec<LineIssue> {
    let mut covered = vec![false; demand.items.len()];
    for m in pool {
        for &i in &m.items {
            if let Some(c) = covered.get_mut(i) {
                *c = true;
            }
        }
    }
    let mut issues = Vec::new();
    for (i, item) in demand.items.iter().enumerate() {
        if covered.get(i) != Some(&false) {
            continue;
        }
        let fills = views.iter().filter_map(|v| v.fills.get(i).map(|f| (v, f)));
        let held_back = fills.clone().any(|(_, f)| f.is_filled());
        let best = fills
            .map(|(_, f)| *f)
            .max_by_key(|f| match *f {
                Fill::Short { stock } => (1, i128::from(stock)),
                Fill::NotOrderable => (0, 2),
                Fill::BadPrice => (0, 1),
                _ => (0, 0),
            })
            .unwrap_or(Fill::NotSold);
        let text = reason::uncoverable(best, &demand.name(i), item.quantity, held_back);
        issues.extend(item.lines.iter().map(|&line| LineIssue {
            line,
            reason: text.clone(),
        }));
    }
    issues.sort_by_key(|i| i.line);
    issues
}

fn unfillable(issues: Vec<LineIssue>) -> Unsplittable {
    let mut texts: Vec<&str> = issues.iter().map(|i| i.reason.as_str()).collect();
    texts.dedup();
    Unsplittable {
        reason: format!("No split can cover every line: {}", texts.join("; ")),
        lines: issues,
    }
}

/// Each product goes to the best chosen vendor that can fill it; the result is one group of
/// original line indexes per vendor, in the order their first line appears.
fn assign(demand: &Demand<'_>, pool: &[Member], chosen: &[usize]) -> Vec<(u64, Vec<usize>)> {
    let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
    for (i, item) in demand.items.iter().enumerate() {
        // `chosen` is ascending and the pool is best first, so the first holder is the best.
        let holder = chosen
            .iter()
            .filter_map(|&c| pool.get(c))
            .find(|m| m.items.contains(&i));
        let Some(holder) = holder else { continue };
        match groups.iter_mut().find(|(v, _)| *v == holder.vendor_id) {
            Some((_, lines)) => lines.extend(&item.lines),
            None => groups.push((holder.vendor_id, item.lines.clone())),
        }
    }
    for (_, lines) in &mut groups {
        lines.sort_unstable();
    }
    groups.sort_by_key(|(_, lines)| lines.first().copied().unwrap_or(usize::MAX));
    groups
}

/// Routes each part over its own lines, keeping every other part's vendor out so no vendor
/// gets two parts. The cover's vendor is always a candidate, so only `min_score` can fail it.
fn route_parts(
    lines: &[Line],
    vendors: &[Vendor],
    retailer: &Place,
    exclude: &[u64],
    cfg: &Config,
    groups: Vec<(u64, Vec<usize>)>,
) -> Result<Vec<Part>, Unsplittable> {
    let mut holders: Vec<u64> = groups.iter().map(|(v, _)| *v).collect();
    let count = groups.len();
    let mut parts = Vec::with_capacity(count);
    for (k, (_, part_lines)) in groups.into_iter().enumerate() {
        let taken: Vec<u64> = holders
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .map(|(_, &v)| v)
            .collect();
        let own: Vec<Line> = part_lines
            .iter()
            .filter_map(|&l| lines.get(l).cloned())
            .collect();
        let decision = decide_among(&own, vendors, retailer, exclude, &taken, cfg);
        let Some(vendor_id) = decision.chosen_vendor_id else {
            let reason = format!("Part {} of {count}: {}", k + 1, decision.reason);
            let issues = part_lines.iter().map(|&line| LineIssue {
                line,
                reason: reason.clone(),
            });
            return Err(Unsplittable {
                lines: issues.collect(),
                reason,
            });
        };
        if let Some(h) = holders.get_mut(k) {
            *h = vendor_id;
        }
        parts.push(Part {
            vendor_id,
            lines: part_lines,
            decision,
        });
    }
    Ok(parts)
}

fn split_reason(parts: &[Part], vendors: &[Vendor], method: SplitMethod) -> String {
    if let [only] = parts {
        return format!("One vendor can fill every line: {}", only.decision.reason);
    }
    let name = |id: u64| {
        vendors.iter().find(|v| v.vendor_id == id).map_or_else(
            || format!("vendor #{id}"),
            |v| reason::vendor_name(v).into_owned(),
        )
    };
    let shares: Vec<String> = parts
        .iter()
        .map(|p| {
            let noun = if p.lines.len() == 1 { "line" } else { "lines" };
            format!("{} takes {} {noun}", name(p.vendor_id), p.lines.len())
        })
        .collect();
    let how = match method {
        SplitMethod::Exact => "the fewest possible",
        SplitMethod::Greedy => "found greedily for a large cart",
    };
    format!(
        "No single vendor has every item; split into {} orders ({how}): {}",
        parts.len(),
        shares.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: u64) -> Vec<Line> {
        (0..n)
            .map(|p| Line {
                product_id: p,
                quantity: 1,
                name: format!("P{p}"),
            })
            .collect()
    }

    #[test]
    fn each_product_goes_to_the_best_chosen_vendor_that_holds_it() {
        let lines = lines(3);
        let demand = Demand::new(&lines);
        let pool = vec![
            Member {
                vendor_id: 7,
                items: vec![1, 2],
                score: 80.0,
            },
            Member {
                vendor_id: 3,
                items: vec![0, 1],
                score: 60.0,
            },
        ];
        let groups = assign(&demand, &pool, &[0, 1]);
        assert_eq!(groups, vec![(3, vec![0]), (7, vec![1, 2])]);
    }

    #[test]
    fn an_empty_cart_cannot_be_split() {
        let err = split(&[], &[], &Place::default(), &[], &Config::default()).unwrap_err();
        assert_eq!(err.reason, "The order has no lines");
    }
}
