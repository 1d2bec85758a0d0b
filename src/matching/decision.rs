//! Turns ranked candidates into a decision: matched, ambiguous, or not found.
//!
//! A wrong `matched` costs a retailer a wrong delivery; an `ambiguous` costs one tap. So a
//! match needs the phrase well explained by the best product *and* a clear lead over the
//! next one; the lead required shrinks as the best score nears a perfect fit. Everything
//! below the not-found floor is only offered as a suggestion.

use super::rank::Scored;
use super::snapshot::Snapshot;
use super::types::{Candidate, Decision, GroupedDecision, MatchDecision, Ranked, Reason};
use std::collections::HashMap;
use std::hash::Hash;

/// Below this score nothing is offered as a match or an option, only as a suggestion.
const NOT_FOUND_BELOW: f32 = 0.45;
/// The best product must explain at least this share of the phrase (within the typo
/// budget) to be matched ...
const MATCH_MIN_QUERY_COVERAGE: f32 = 0.45;
/// ... and score at least this.
const MATCH_MIN_SCORE: f32 = 0.5;
/// The lead over the next candidate needed at a perfect score ...
const MARGIN_AT_PERFECT: f32 = 0.01;
/// ... growing by this much per point of score below perfect.
const MARGIN_SLOPE: f32 = 0.25;
/// Options offered when ambiguous, suggestions when not found ...
const OFFERED: usize = 3;
/// ... or more, up to this, when they tie with the best (one product in several sizes).
const OFFERED_TIED: usize = 5;
/// From this share of the phrase explained within the typo budget, look-alike credit for the
/// rest may decide between candidates.
const LOOK_ALIKE_MAY_DECIDE: f32 = 0.6;
/// Scores closer than this are a tie.
const TIE: f32 = 0.005;
/// Options must be within this distance of the best to be offered.
const OPTION_WINDOW: f32 = 0.3;

/// Decides from candidates ranked best first.
pub(crate) fn decide(snap: &Snapshot, ranked: &[Scored]) -> MatchDecision {
    let Some(top) = ranked.first() else {
        return MatchDecision {
            decision: Decision::NotFound,
            candidates: Vec::new(),
        };
    };
    let next = ranked.get(1).map_or(0.0, |s| s.score);
    let next_sure = ranked.iter().skip(1).map(|s| s.sure).fold(0.0, f32::max);
    let decision = if top.reason == Reason::ExactCode
        && ranked.get(1).is_none_or(|s| s.reason != Reason::ExactCode)
    {
        Decision::Matched
    } else if top.score < NOT_FOUND_BELOW {
        Decision::NotFound
    } else if is_clear(top, next, next_sure) {
        Decision::Matched
    } else {
        Decision::Ambiguous
    };
    let tied = ranked
        .iter()
        .take_while(|s| top.score - s.score < TIE)
        .count();
    let shown = ranked
        .iter()
        .take(tied.clamp(OFFERED, OFFERED_TIED))
        .filter(|s| decision == Decision::NotFound || s.score >= top.score - OPTION_WINDOW);
    MatchDecision {
        decision,
        candidates: shown.filter_map(|s| candidate(snap, s)).collect(),
    }
}

/// Groups offered when ambiguous (one option per group).
const GROUPS_OFFERED: usize = 6;
/// When the best group fits the phrase exactly, other groups are offered only this close to
/// it: "nun" asks Aayo or Tata, not the black salt whose alias only contains the word.
const EXACT_OPTION_WINDOW: f32 = 0.1;

/// Decides among groups of products (a product in its several packs) with the same rules as
/// [`decide`]: the best group must be confident and clearly ahead of the best candidate of any
/// other group. Products of one group never compete with each other here; the caller picks
/// among them from what the message says (size, pack).
/// `groups_of[i]` is the group of `ranked[i]`.
pub fn decide_grouped<K: Eq + Hash + Clone>(ranked: &[Ranked], groups_of: &[K]) -> GroupedDecision {
    let mut groups = group_in_rank_order(ranked.len(), groups_of);
    let Some(top) = ranked.first() else {
        return GroupedDecision {
            decision: Decision::NotFound,
            exact_code: false,
            groups,
        };
    };
    if top.candidate.reason == Reason::ExactCode
        && ranked
            .get(1)
            .is_none_or(|s| s.candidate.reason != Reason::ExactCode)
    {
        return GroupedDecision {
            decision: Decision::Matched,
            exact_code: true,
            groups: vec![vec![0]],
        };
    }
    let others = groups.iter().skip(1).flatten().map(|&i| &ranked[i]);
    let next = others.clone().map(|r| r.score).fold(0.0, f32::max);
    let next_sure = others.map(|r| r.sure).fold(0.0, f32::max);
    let scored = Scored {
        product: 0,
        product_id: top.candidate.product_id,
        score: top.score,
        query_cov: top.explained,
        sure: top.sure,
        explained_any: top.explained_any,
        reason: top.candidate.reason,
    };
    let decision = if top.score < NOT_FOUND_BELOW {
        Decision::NotFound
    } else if is_clear(&scored, next, next_sure) {
        Decision::Matched
    } else {
        Decision::Ambiguous
    };
    offered_groups(&mut groups, ranked, decision);
    GroupedDecision {
        decision,
        exact_code: false,
        groups,
    }
}

/// The candidates' indexes by group, groups in the order of their best candidate.
fn group_in_rank_order<K: Eq + Hash + Clone>(count: usize, groups_of: &[K]) -> Vec<Vec<usize>> {
    let mut order: Vec<K> = Vec::new();
    let mut members: HashMap<K, Vec<usize>> = HashMap::new();
    for (i, k) in groups_of.iter().enumerate().take(count) {
        if !members.contains_key(k) {
            order.push(k.clone());
        }
        members.entry(k.clone()).or_default().push(i);
    }
    order
        .into_iter()
        .filter_map(|k| members.remove(&k))
        .collect()
}

/// Keeps the groups the decision offers: the one matched, those near the top when it is
/// ambiguous, the nearest few when nothing was found.
fn offered_groups(groups: &mut Vec<Vec<usize>>, ranked: &[Ranked], decision: Decision) {
    let top = &ranked[0];
    match decision {
        Decision::Matched => groups.truncate(1),
        Decision::Ambiguous => {
            let exact = top.explained >= 0.999 && top.score >= 0.999;
            let window = if exact {
                EXACT_OPTION_WINDOW
            } else {
                OPTION_WINDOW
            };
            groups.retain(|g| ranked[g[0]].score >= top.score - window);
            groups.truncate(GROUPS_OFFERED);
        }
        Decision::NotFound => groups.truncate(OFFERED),
    }
}

/// Confident and clearly ahead of the next. When the typo budget explains only part of the
/// phrase, the lead must also hold without look-alike credit: a word below the budget may
/// settle a long phrase ("Organic Tattva Flour - cron"), never a short one on its own
/// ("bb royal apni").
fn is_clear(top: &Scored, next: f32, next_sure: f32) -> bool {
    let needed = MARGIN_AT_PERFECT + MARGIN_SLOPE * (1.0 - top.score.min(1.0));
    let sure_enough = top.query_cov >= LOOK_ALIKE_MAY_DECIDE || top.sure - next_sure >= needed;
    top.query_cov >= MATCH_MIN_QUERY_COVERAGE
        && top.score >= MATCH_MIN_SCORE
        && top.score - next >= needed
        && sure_enough
}

fn candidate(snap: &Snapshot, s: &Scored) -> Option<Candidate> {
    let item = &snap.product(s.product)?.text.item;
    Some(Candidate {
        product_id: item.product_id,
        sku: item.sku.clone(),
        name: item.name.clone(),
        confidence: s.score.clamp(0.0, 1.0),
        reason: s.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(score: f32, explained: f32, sure: f32) -> Scored {
        Scored {
            product: 0,
            product_id: 1,
            score,
            query_cov: explained,
            sure,
            explained_any: explained,
            reason: Reason::Words,
        }
    }

    #[test]
    fn a_perfect_fit_needs_only_a_small_lead() {
        assert!(is_clear(&scored(1.0, 1.0, 1.0), 0.98, 0.98));
        assert!(!is_clear(&scored(1.0, 1.0, 1.0), 0.995, 0.995));
    }

    #[test]
    fn a_weaker_fit_needs_a_larger_lead() {
        // At 0.7 the lead must be 0.01 + 0.25 * 0.3 = 0.085.
        assert!(!is_clear(&scored(0.7, 0.8, 0.7), 0.64, 0.64));
        assert!(is_clear(&scored(0.7, 0.8, 0.7), 0.6, 0.6));
    }

    #[test]
    fn a_phrase_mostly_unexplained_is_never_matched() {
        assert!(!is_clear(&scored(0.9, 0.3, 0.9), 0.1, 0.1));
        assert!(!is_clear(&scored(0.45, 0.9, 0.45), 0.0, 0.0));
    }

    #[test]
    fn look_alike_credit_alone_cannot_decide_a_short_phrase() {
        // Half the phrase explained; the lead exists only with look-alike credit.
        assert!(!is_clear(&scored(0.66, 0.5, 0.5), 0.53, 0.52));
        // Mostly explained: the look-alike word may settle it.
        assert!(is_clear(&scored(0.9, 0.8, 0.8), 0.8, 0.81));
    }
}
