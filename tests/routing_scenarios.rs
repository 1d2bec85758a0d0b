//! Deterministic routing scenarios: each factor decides when all else is equal, thresholds and
//! exclusions keep vendors out, re-routing walks the ranking, and carts split into the fewest
//! orders (exactly on small carts, greedily on large ones) or not at all when a line is unfillable.

use khaacho::routing::{
    Config, Decision, Line, Offer, Place, SplitMethod, Vendor, VendorStats, Weights, decide, fill,
    split,
};

fn line(product_id: u64, quantity: u32, name: &str) -> Line {
    Line {
        product_id,
        quantity,
        name: name.to_string(),
    }
}

/// A trusted, good history: 46 of 50 accepted in 12 min, 2 cancelled, 8 h to deliver.
fn good_history() -> VendorStats {
    VendorStats {
        offered: 50,
        accepted: 46,
        rejected: 3,
        expired: 1,
        cancelled_after_accept: 2,
        delivered: 44,
        total_accept_secs: 46 * 12 * 60,
        total_fulfil_secs: 44 * 8 * 3600,
    }
}

/// An active vendor in the retailer's district with a good history and no open orders.
fn vendor(vendor_id: u64, name: &str) -> Vendor {
    Vendor {
        vendor_id,
        name: name.to_string(),
        district: "Kaski".to_string(),
        province: "Gandaki".to_string(),
        active: true,
        open_orders: 0,
        stats: good_history(),
        offers: Vec::new(),
    }
}

fn offer(mut v: Vendor, product_id: u64, price_paisa: i64, stock: i64) -> Vendor {
    let listing_id = v.vendor_id * 1000 + product_id;
    v.offers.push(Offer {
        product_id,
        listing_id,
        price_paisa,
        stock,
        orderable: true,
    });
    v
}

fn kaski() -> Place {
    Place {
        district: "Kaski".to_string(),
        province: "Gandaki".to_string(),
    }
}

fn sugar() -> Vec<Line> {
    vec![line(1, 10, "Sugar 1 kg")]
}

fn candidate(d: &Decision, vendor_id: u64) -> &khaacho::routing::CandidateScore {
    d.candidates
        .iter()
        .find(|c| c.vendor_id == vendor_id)
        .expect("vendor is a candidate")
}

fn chosen(d: &Decision) -> u64 {
    d.chosen_vendor_id.expect("a vendor is chosen")
}

#[test]
fn the_cheaper_vendor_wins_when_all_else_is_equal_even_on_a_one_line_order() {
    let vendors = vec![
        offer(vendor(1, "Vendor A"), 1, 10_400, 100),
        offer(vendor(2, "Vendor B"), 1, 10_000, 100),
    ];
    let d = decide(&sugar(), &vendors, &kaski(), &[], &Config::default());
    assert_eq!(chosen(&d), 2);
    assert_eq!(candidate(&d, 2).factors.price, 1.0);
    assert!(candidate(&d, 1).factors.price < 1.0);
    assert_eq!(
        d.reason,
        "Vendor B: all items in stock, 4 % cheaper, same district, no open orders, \
         accepts 92 % of orders in 12 min on average"
    );
    assert!(
        candidate(&d, 1)
            .reason
            .contains("4 % dearer than the cheapest")
    );
}

#[test]
fn a_lone_vendor_is_not_penalised_on_price() {
    let vendors = vec![offer(vendor(1, "Vendor A"), 1, 99_999, 100)];
    let d = decide(&sugar(), &vendors, &kaski(), &[], &Config::default());
    assert_eq!(chosen(&d), 1);
    assert_eq!(d.candidates[0].factors.price, 1.0);
    assert!(
        d.reason.contains("only vendor with every item"),
        "{}",
        d.reason
    );
}

#[test]
fn same_district_beats_same_province_beats_another_province() {
    let mut far = offer(vendor(1, "Far"), 1, 10_000, 100);
    far.district = "Jhapa".into();
    far.province = "Koshi".into();
    let mut near = offer(vendor(2, "Near"), 1, 10_000, 100);
    near.district = "Tanahun".into();
    let here = offer(vendor(3, "Here"), 1, 10_000, 100);
    let d = decide(
        &sugar(),
        &[far, near, here],
        &kaski(),
        &[],
        &Config::default(),
    );
    let order: Vec<u64> = d.candidates.iter().map(|c| c.vendor_id).collect();
    assert_eq!(order, vec![3, 2, 1]);
    assert_eq!(candidate(&d, 3).factors.proximity, 1.0);
    assert_eq!(candidate(&d, 2).factors.proximity, 0.5);
    assert_eq!(candidate(&d, 1).factors.proximity, 0.0);
    assert!(candidate(&d, 1).reason.contains("other province"));
}

#[test]
fn an_overloaded_vendor_loses_to_an_idle_one() {
    let mut busy = offer(vendor(1, "Busy"), 1, 10_000, 100);
    busy.open_orders = 40;
    let idle = offer(vendor(2, "Idle"), 1, 10_000, 100);
    let d = decide(&sugar(), &[busy, idle], &kaski(), &[], &Config::default());
    assert_eq!(chosen(&d), 2);
    assert_eq!(candidate(&d, 1).factors.workload, 0.2);
    assert!(candidate(&d, 1).reason.contains("40 open orders"));
}

#[test]
fn an_unreliable_vendor_loses_and_a_proven_bad_one_is_ineligible() {
    let mut shaky = offer(vendor(1, "Shaky"), 1, 10_000, 100);
    shaky.stats = VendorStats {
        offered: 20,
        accepted: 14,
        rejected: 6,
        cancelled_after_accept: 2,
        delivered: 12,
        total_accept_secs: 14 * 40 * 60,
        total_fulfil_secs: 12 * 30 * 3600,
        ..VendorStats::default()
    };
    let mut bad = offer(vendor(2, "Bad"), 1, 9_000, 100);
    bad.stats = VendorStats {
        offered: 30,
        accepted: 6,
        rejected: 20,
        expired: 4,
        cancelled_after_accept: 3,
        delivered: 3,
        total_accept_secs: 6 * 50 * 60,
        total_fulfil_secs: 3 * 48 * 3600,
    };
    let good = offer(vendor(3, "Good"), 1, 10_000, 100);
    let d = decide(
        &sugar(),
        &[shaky, bad, good],
        &kaski(),
        &[],
        &Config::default(),
    );
    assert_eq!(chosen(&d), 3);
    assert!(candidate(&d, 1).eligible);
    assert!(candidate(&d, 1).score < candidate(&d, 3).score);
    let bad = candidate(&d, 2);
    assert!(!bad.eligible);
    assert!(
        bad.reason
            .starts_with("Bad: unreliable (accepts 20 % of orders"),
        "{}",
        bad.reason
    );
}

#[test]
fn a_cold_start_vendor_gets_a_fair_middle_score() {
    let cfg = Config::default();
    let good = offer(vendor(1, "Proven"), 1, 10_000, 100);
    let mut new = offer(vendor(2, "Newcomer"), 1, 10_000, 100);
    new.stats = VendorStats::default();
    let mut poor = offer(vendor(3, "Poor"), 1, 10_000, 100);
    poor.stats = VendorStats {
        offered: 20,
        accepted: 12,
        rejected: 8,
        cancelled_after_accept: 2,
        delivered: 10,
        total_accept_secs: 12 * 45 * 60,
        total_fulfil_secs: 10 * 36 * 3600,
        ..VendorStats::default()
    };
    let d = decide(&sugar(), &[good, new, poor], &kaski(), &[], &cfg);
    let order: Vec<u64> = d.candidates.iter().map(|c| c.vendor_id).collect();
    assert_eq!(order, vec![1, 2, 3]);
    let newcomer = candidate(&d, 2);
    assert_eq!(newcomer.factors.reliability, cfg.reliability_prior);
    assert!(newcomer.eligible);
    assert!(newcomer.reason.contains("new vendor, no history yet"));
}

#[test]
fn stock_with_headroom_beats_stock_that_only_just_covers_the_order() {
    let tight = offer(vendor(1, "Tight"), 1, 10_000, 10);
    let roomy = offer(vendor(2, "Roomy"), 1, 10_000, 12);
    let d = decide(&sugar(), &[tight, roomy], &kaski(), &[], &Config::default());
    assert_eq!(chosen(&d), 2);
    assert_eq!(candidate(&d, 2).factors.availability, 1.0);
    assert_eq!(candidate(&d, 1).factors.availability, 0.5);
    assert!(candidate(&d, 1).reason.contains("none to spare"));
}

#[test]
fn a_vendor_missing_a_line_is_ineligible_and_says_which() {
    let lines = vec![line(1, 10, "Sugar 1 kg"), line(2, 5, "Rice 25 kg")];
    let none = offer(offer(vendor(1, "Empty"), 1, 9_000, 0), 2, 100, 50);
    let short = offer(offer(vendor(2, "Short"), 1, 9_000, 50), 2, 100, 3);
    let full = offer(offer(vendor(3, "Full"), 1, 10_000, 50), 2, 120, 50);
    let d = decide(
        &lines,
        &[none, short, full],
        &kaski(),
        &[],
        &Config::default(),
    );
    assert_eq!(chosen(&d), 3);
    assert_eq!(candidate(&d, 1).reason, "Empty: no stock of Sugar 1 kg");
    assert_eq!(
        candidate(&d, 2).reason,
        "Short: only 3 of Rice 25 kg in stock, 5 needed"
    );
    assert_eq!(candidate(&d, 1).factors.availability, 0.5);
}

#[test]
fn inactive_and_excluded_vendors_are_never_chosen() {
    let mut off = offer(vendor(1, "Off"), 1, 5_000, 100);
    off.active = false;
    let tried = offer(vendor(2, "Tried"), 1, 5_000, 100);
    let last = offer(vendor(3, "Last"), 1, 10_000, 100);
    let d = decide(
        &sugar(),
        &[off, tried, last],
        &kaski(),
        &[2],
        &Config::default(),
    );
    assert_eq!(chosen(&d), 3);
    assert_eq!(candidate(&d, 1).reason, "Off: inactive");
    assert_eq!(
        candidate(&d, 2).reason,
        "Tried: already tried for this order"
    );
}

#[test]
fn rejects_and_missed_deadlines_reroute_down_the_whole_ranking() {
    let vendors: Vec<Vendor> = (1..=5)
        .map(|id| {
            offer(
                vendor(id, &format!("V{id}")),
                1,
                10_000 + (id as i64 % 3) * 100,
                100,
            )
        })
        .collect();
    let cfg = Config::default();
    let first = decide(&sugar(), &vendors, &kaski(), &[], &cfg);
    let ranking: Vec<u64> = first
        .candidates
        .iter()
        .filter(|c| c.eligible)
        .map(|c| c.vendor_id)
        .collect();
    assert_eq!(ranking.len(), 5);
    let mut tried = Vec::new();
    while let Some(next) = decide(&sugar(), &vendors, &kaski(), &tried, &cfg).chosen_vendor_id {
        assert!(
            !tried.contains(&next),
            "a tried vendor is never offered again"
        );
        tried.push(next);
    }
    // Every eligible vendor gets its turn; with prices this close the order is the first ranking.
    assert_eq!(tried, ranking);
    let exhausted = decide(&sugar(), &vendors, &kaski(), &tried, &cfg);
    assert!(
        exhausted
            .reason
            .starts_with("No vendor can take the whole order")
    );
}

#[test]
fn equal_vendors_tie_to_the_lower_id() {
    let vendors = vec![
        offer(vendor(9, "Nine"), 1, 10_000, 100),
        offer(vendor(4, "Four"), 1, 10_000, 100),
    ];
    let d = decide(&sugar(), &vendors, &kaski(), &[], &Config::default());
    assert_eq!(chosen(&d), 4);
    assert!(d.reason.contains("joint cheapest"));
}

#[test]
fn weights_from_config_change_the_winner() {
    let mut cheap_far = offer(vendor(1, "Cheap"), 1, 9_000, 100);
    cheap_far.district = "Jhapa".into();
    cheap_far.province = "Koshi".into();
    let dear_near = offer(vendor(2, "Near"), 1, 10_000, 100);
    let vendors = [cheap_far, dear_near];
    let price_only = Config {
        weights: Weights {
            availability: 0,
            price: 100,
            proximity: 0,
            workload: 0,
            reliability: 0,
        },
        ..Config::default()
    };
    let near_heavy = Config {
        weights: Weights {
            proximity: 60,
            ..Weights::default()
        },
        ..Config::default()
    };
    assert_eq!(
        chosen(&decide(&sugar(), &vendors, &kaski(), &[], &price_only)),
        1
    );
    assert_eq!(
        chosen(&decide(&sugar(), &vendors, &kaski(), &[], &near_heavy)),
        2
    );
}

#[test]
fn a_raised_minimum_score_leaves_weak_vendors_out_with_the_reason() {
    let mut weak = offer(vendor(1, "Weak"), 1, 12_000, 10);
    weak.district = "Jhapa".into();
    weak.province = "Koshi".into();
    weak.open_orders = 30;
    let strong = offer(vendor(2, "Strong"), 1, 10_000, 100);
    let cfg = Config {
        min_score: 50.0,
        ..Config::default()
    };
    let d = decide(&sugar(), &[weak, strong], &kaski(), &[], &cfg);
    assert_eq!(chosen(&d), 2);
    let weak = candidate(&d, 1);
    assert!(!weak.eligible);
    assert!(weak.reason.starts_with("Weak: score "), "{}", weak.reason);
    assert!(weak.reason.contains("below 50.0"), "{}", weak.reason);
}

#[test]
fn an_order_with_no_lines_or_no_holders_chooses_nobody() {
    let vendors = vec![offer(vendor(1, "A"), 1, 100, 100)];
    let empty = decide(&[], &vendors, &kaski(), &[], &Config::default());
    assert_eq!(empty.chosen_vendor_id, None);
    assert!(empty.candidates.is_empty());
    let unknown = decide(
        &[line(77, 1, "Ghee")],
        &vendors,
        &kaski(),
        &[],
        &Config::default(),
    );
    assert_eq!(unknown.chosen_vendor_id, None);
    assert_eq!(unknown.reason, "No vendor offers any of these products");
}

#[test]
fn fill_gives_the_listing_and_price_of_each_line_at_the_chosen_vendor() {
    let lines = vec![line(1, 10, "Sugar 1 kg"), line(2, 5, "Rice 25 kg")];
    let v = offer(offer(vendor(3, "Full"), 1, 10_000, 50), 2, 120, 50);
    let picks = fill(&v, &lines).unwrap();
    assert_eq!(picks.len(), 2);
    assert_eq!(
        (picks[1].line, picks[1].listing_id, picks[1].price_paisa),
        (1, 3002, 120)
    );
}

/// Vendor `id` selling each product of `products` at 100 paisa with plenty of stock.
fn seller(id: u64, products: &[u64]) -> Vendor {
    products
        .iter()
        .fold(vendor(id, &format!("V{id}")), |v, &p| {
            offer(v, p, 100, 1_000)
        })
}

fn cart(n: u64) -> Vec<Line> {
    (0..n).map(|p| line(p, 1, &format!("P{p}"))).collect()
}

fn assert_valid(lines: &[Line], vendors: &[Vendor], parts: &[khaacho::routing::Part]) {
    let mut seen: Vec<usize> = parts.iter().flat_map(|p| p.lines.clone()).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..lines.len()).collect::<Vec<_>>(),
        "every line exactly once"
    );
    for p in parts {
        let v = vendors.iter().find(|v| v.vendor_id == p.vendor_id).unwrap();
        let own: Vec<Line> = p.lines.iter().map(|&l| lines[l].clone()).collect();
        assert!(
            fill(v, &own).is_ok(),
            "vendor {} fills its part",
            p.vendor_id
        );
        assert_eq!(p.decision.chosen_vendor_id, Some(p.vendor_id));
    }
}

#[test]
fn a_small_cart_splits_exactly_into_the_fewest_vendors() {
    // Greedy takes the 8-product vendor first and needs three; the two row vendors suffice.
    let lines = cart(14);
    let vendors = vec![
        seller(1, &[3, 4, 5, 6, 10, 11, 12, 13]),
        seller(2, &[1, 2, 8, 9]),
        seller(3, &[0, 7]),
        seller(4, &[0, 1, 2, 3, 4, 5, 6]),
        seller(5, &[7, 8, 9, 10, 11, 12, 13]),
    ];
    let exact = Config {
        exact_split_max_lines: 14,
        ..Config::default()
    };
    let s = split(&lines, &vendors, &kaski(), &[], &exact).unwrap();
    assert_eq!(s.method, SplitMethod::Exact);
    let mut used: Vec<u64> = s.parts.iter().map(|p| p.vendor_id).collect();
    used.sort_unstable();
    assert_eq!(used, vec![4, 5]);
    assert_valid(&lines, &vendors, &s.parts);
    assert!(
        s.reason
            .starts_with("No single vendor has every item; split into 2 orders")
    );

    let greedy = split(&lines, &vendors, &kaski(), &[], &Config::default()).unwrap();
    assert_eq!(greedy.method, SplitMethod::Greedy);
    assert_eq!(greedy.parts.len(), 3);
    assert_valid(&lines, &vendors, &greedy.parts);
}

#[test]
fn a_large_cart_splits_greedily_and_covers_every_line_once() {
    let lines = cart(20);
    let vendors: Vec<Vendor> = (0..4)
        .map(|k| seller(k + 1, &(k * 5..k * 5 + 5).collect::<Vec<_>>()))
        .chain([seller(9, &[0, 5, 10, 15])])
        .collect();
    let s = split(&lines, &vendors, &kaski(), &[], &Config::default()).unwrap();
    assert_eq!(s.method, SplitMethod::Greedy);
    assert_eq!(s.parts.len(), 4);
    assert_valid(&lines, &vendors, &s.parts);
}

#[test]
fn among_equally_small_splits_the_better_vendors_are_used() {
    let lines = cart(2);
    let mut slow = seller(1, &[0]);
    slow.open_orders = 50;
    let vendors = vec![slow, seller(2, &[0]), seller(3, &[1])];
    let s = split(&lines, &vendors, &kaski(), &[], &Config::default()).unwrap();
    let used: Vec<u64> = s.parts.iter().map(|p| p.vendor_id).collect();
    assert_eq!(used, vec![2, 3]);
}

#[test]
fn a_cart_with_a_line_nobody_can_fill_cannot_be_split() {
    let lines = vec![
        line(1, 10, "Sugar 1 kg"),
        line(2, 10, "Rice 25 kg"),
        line(3, 1, "Ghee 1 l"),
    ];
    let vendors = vec![
        offer(offer(vendor(1, "A"), 1, 100, 50), 2, 100, 4),
        offer(vendor(2, "B"), 2, 100, 6),
    ];
    let err = split(&lines, &vendors, &kaski(), &[], &Config::default()).unwrap_err();
    let lines_at_fault: Vec<usize> = err.lines.iter().map(|i| i.line).collect();
    assert_eq!(lines_at_fault, vec![1, 2]);
    assert_eq!(
        err.lines[0].reason,
        "Rice 25 kg: no vendor has 10 in stock (most is 6)"
    );
    assert_eq!(err.lines[1].reason, "Ghee 1 l: no vendor sells it");
}

#[test]
fn a_line_only_excluded_vendors_can_fill_blocks_the_split() {
    let lines = cart(2);
    let vendors = vec![seller(1, &[0]), seller(2, &[1])];
    let err = split(&lines, &vendors, &kaski(), &[2], &Config::default()).unwrap_err();
    assert_eq!(err.lines.len(), 1);
    assert!(
        err.lines[0].reason.contains("already tried"),
        "{}",
        err.reason
    );
}

#[test]
fn a_cart_one_vendor_can_fill_splits_into_that_vendors_single_order() {
    let lines = cart(3);
    let vendors = vec![seller(1, &[0, 1]), seller(2, &[0, 1, 2]), seller(3, &[2])];
    let cfg = Config::default();
    let s = split(&lines, &vendors, &kaski(), &[], &cfg).unwrap();
    let d = decide(&lines, &vendors, &kaski(), &[], &cfg);
    assert_eq!(s.parts.len(), 1);
    assert_eq!(Some(s.parts[0].vendor_id), d.chosen_vendor_id);
    assert_eq!(s.parts[0].decision, d);
}

#[test]
fn repeated_lines_of_one_product_stay_in_one_part() {
    let lines = vec![line(1, 4, "Sugar"), line(2, 1, "Rice"), line(1, 4, "Sugar")];
    let vendors = vec![seller(1, &[1]), seller(2, &[2])];
    let s = split(&lines, &vendors, &kaski(), &[], &Config::default()).unwrap();
    let sugar_part = s.parts.iter().find(|p| p.vendor_id == 1).unwrap();
    assert_eq!(sugar_part.lines, vec![0, 2]);
    assert_valid(&lines, &vendors, &s.parts);
}
