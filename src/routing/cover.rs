//! Covering an order's products with the fewest vendors, then the best total score.
//!
//! Owns only the combinatorics: sets of product indexes with a score, in preference order
//! (best first, so ties go to the earlier set). Exact for small carts (a breadth-first search
//! over covered-product bit masks, 2^n states), greedy beyond. Knows nothing of stock or money.

/// The bit mask of a set's products; products at or beyond bit 32 are ignored (the exact cover
/// is only used for carts of at most `EXACT_SPLIT_LIMIT` ≤ 32 products).
fn mask(set: &[usize]) -> u32 {
    set.iter()
        .filter(|&&i| i < 32)
        .fold(0u32, |m, &i| m | (1u32 << i))
}

/// Drops every set contained in an earlier set that scores at least as well: swapping it for
/// that set in any cover keeps the count and does not lower the score.
fn undominated(masks: &[u32], scores: &[f64]) -> Vec<usize> {
    let score = |i: usize| scores.get(i).copied().unwrap_or(0.0);
    let mut kept: Vec<usize> = Vec::new();
    for (i, &m) in masks.iter().enumerate() {
        let dominated = m == 0
            || kept
                .iter()
                .any(|&k| masks.get(k).is_some_and(|&km| km & m == m) && score(k) >= score(i));
        if !dominated {
            kept.push(i);
        }
    }
    kept
}

/// The fewest sets covering all `n` products, then the highest score sum; indexes into `sets`.
/// `None` when they cannot cover everything or `n` is too large for masks.
///
/// Layer k holds every product mask reachable with k sets, each with its best score sum and
/// how it was reached; a state only branches on the sets holding its lowest uncovered product
/// (every cover must include one of them), and a mask already reached with fewer sets is not
/// expanded again. So each of the 2^n masks is expanded at most once.
pub(crate) fn exact(n: usize, sets: &[Vec<usize>], scores: &[f64]) -> Option<Vec<usize>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let search = Search::new(n, sets, scores)?;
    let states = 1usize << n;
    let mut seen = vec![false; states];
    seen[0] = true;
    let mut value = vec![f64::NEG_INFINITY; states];
    value[0] = 0.0;
    let mut frontier = vec![0u32];
    let mut layers: Vec<Vec<(u32, u32)>> = Vec::new();
    while !frontier.is_empty() {
        let layer = search.expand(&frontier, &value, &seen);
        layers.push(layer.parent);
        if layer.value.get(search.full as usize) != Some(&f64::NEG_INFINITY) {
            return Some(walk_back(&layers, search.full));
        }
        for &t in &layer.reached {
            seen[t as usize] = true;
        }
        value = layer.value;
        frontier = layer.reached;
    }
    None
}

/// The fixed inputs of the exact search: product masks and the sets holding each product.
struct Search<'a> {
    full: u32,
    masks: Vec<u32>,
    scores: &'a [f64],
    holders: Vec<Vec<usize>>,
}

/// One layer of the search: best score sum and parent (previous mask, set) per reached mask.
struct Layer {
    value: Vec<f64>,
    parent: Vec<(u32, u32)>,
    reached: Vec<u32>,
}

impl<'a> Search<'a> {
    /// `None` beyond 20 products, where 2^n states would no longer be small.
    fn new(n: usize, sets: &[Vec<usize>], scores: &'a [f64]) -> Option<Self> {
        if n > 20 {
            return None;
        }
        let full: u32 = (1u32 << n) - 1;
        let masks: Vec<u32> = sets.iter().map(|s| mask(s) & full).collect();
        let kept = undominated(&masks, scores);
        let holders = (0..n)
            .map(|p| {
                let bit = 1u32 << p;
                let holds = |s: &usize| masks.get(*s).is_some_and(|m| m & bit != 0);
                kept.iter().copied().filter(holds).collect()
            })
            .collect();
        Some(Search {
            full,
            masks,
            scores,
            holders,
        })
    }

    /// Every mask reachable from the frontier with one more set, keeping the best score sum;
    /// masks seen in earlier layers are skipped (they were reached with fewer sets).
    fn expand(&self, frontier: &[u32], value: &[f64], seen: &[bool]) -> Layer {
        let states = value.len();
        let mut next = Layer {
            value: vec![f64::NEG_INFINITY; states],
            parent: vec![(0, 0); states],
            reached: Vec::new(),
        };
        for &s in frontier {
            let lowest = (!s & self.full).trailing_zeros() as usize;
            let base = value.get(s as usize).copied().unwrap_or(f64::NEG_INFINITY);
            for &c in self.holders.get(lowest).map_or(&[][..], Vec::as_slice) {
                let t = s | self.masks.get(c).copied().unwrap_or(0);
                let v = base + self.scores.get(c).copied().unwrap_or(0.0);
                let slot = t as usize;
                if seen.get(slot) != Some(&false)
                    || next.value.get(slot).is_none_or(|&old| v <= old)
                {
                    continue;
                }
                if next.value[slot] == f64::NEG_INFINITY {
                    next.reached.push(t);
                }
                next.value[slot] = v;
                next.parent[slot] = (s, c as u32);
            }
        }
        next
    }
}

/// The sets on the best path to `full`, from the last layer back to the empty mask.
fn walk_back(layers: &[Vec<(u32, u32)>], full: u32) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(layers.len());
    let mut at = full;
    for layer in layers.iter().rev() {
        let Some(&(prev, set)) = layer.get(at as usize) else {
            break;
        };
        chosen.push(set as usize);
        at = prev;
    }
    chosen.sort_unstable();
    chosen
}

/// Greedy cover: repeatedly take the set covering most uncovered products (ties to the earlier,
/// better set), then drop sets made redundant by later picks, worst first. Within a factor
/// H(n) ≈ ln n + 1 of the minimum (the classic bound); usually equal to it on real carts.
pub(crate) fn greedy(n: usize, sets: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut uncovered = vec![true; n];
    let mut left = n;
    let mut chosen: Vec<usize> = Vec::new();
    while left > 0 {
        let gain = |s: &Vec<usize>| {
            s.iter()
                .filter(|&&p| uncovered.get(p) == Some(&true))
                .count()
        };
        let (best, most) = sets
            .iter()
            .enumerate()
            .map(|(i, s)| (i, gain(s)))
            .fold((0, 0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if most == 0 {
            return None;
        }
        for &p in sets.get(best).map_or(&[][..], Vec::as_slice) {
            if let Some(u) = uncovered.get_mut(p).filter(|u| **u) {
                *u = false;
                left -= 1;
            }
        }
        chosen.push(best);
    }
    Some(without_redundant(n, sets, chosen))
}

/// Removes chosen sets whose products are all covered by the others, worst set first.
fn without_redundant(n: usize, sets: &[Vec<usize>], mut chosen: Vec<usize>) -> Vec<usize> {
    let mut count = vec![0u32; n];
    let products = |i: usize| sets.get(i).map_or(&[][..], Vec::as_slice);
    for &c in &chosen {
        for &p in products(c) {
            if let Some(k) = count.get_mut(p) {
                *k += 1;
            }
        }
    }
    chosen.sort_unstable_by(|a, b| b.cmp(a));
    chosen.retain(|&c| {
        let redundant = products(c)
            .iter()
            .all(|&p| count.get(p).is_some_and(|&k| k >= 2));
        if redundant {
            for &p in products(c) {
                if let Some(k) = count.get_mut(p) {
                    *k -= 1;
                }
            }
        }
        !redundant
    });
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_finds_two_sets_where_greedy_takes_three() {
        // The classic trap: two rows of seven; sets of 8, 4 and 2 straddling both rows lure
        // greedy, while the two rows cover everything.
        let top: Vec<usize> = (0..7).collect();
        let bottom: Vec<usize> = (7..14).collect();
        let sets = vec![
            top,
            bottom,
            vec![3, 4, 5, 6, 10, 11, 12, 13],
            vec![1, 2, 8, 9],
            vec![0, 7],
        ];
        assert_eq!(greedy(14, &sets), Some(vec![2, 3, 4]));
        assert_eq!(exact(14, &sets, &[50.0; 5]), Some(vec![0, 1]));
    }

    #[test]
    fn among_equal_sized_covers_exact_prefers_the_higher_score_sum() {
        let sets = vec![vec![0], vec![1], vec![0], vec![1]];
        let scores = [40.0, 40.0, 90.0, 30.0];
        // Sets are given best first in real use; here the score alone must decide.
        assert_eq!(exact(2, &sets, &scores), Some(vec![1, 2]));
    }

    #[test]
    fn a_product_no_set_holds_makes_both_covers_fail() {
        let sets = vec![vec![0], vec![1]];
        assert_eq!(exact(3, &sets, &[1.0, 1.0]), None);
        assert_eq!(greedy(3, &sets), None);
    }

    #[test]
    fn a_set_holding_everything_is_a_cover_of_one() {
        let sets = vec![vec![0], vec![0, 1, 2], vec![1, 2]];
        assert_eq!(exact(3, &sets, &[9.0, 1.0, 9.0]), Some(vec![1]));
        assert_eq!(greedy(3, &sets), Some(vec![1]));
    }

    #[test]
    fn greedy_drops_a_set_that_later_picks_made_redundant() {
        // The big first pick is fully covered by the two that follow it.
        let sets = vec![vec![0, 1, 2, 3], vec![0, 1, 4], vec![2, 3, 5]];
        assert_eq!(greedy(6, &sets), Some(vec![1, 2]));
    }

    #[test]
    fn an_empty_cart_needs_no_sets() {
        assert_eq!(exact(0, &[], &[]), Some(vec![]));
        assert_eq!(greedy(0, &[]), Some(vec![]));
    }
}
