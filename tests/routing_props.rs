//! Properties of routing over random vendors, offers, histories, carts and configurations
//! (including broken ones: negative stock and prices, NaN settings, duplicate vendor ids):
//! nothing panics, the chosen vendor may take the order and can fill it, scores stay in range,
//! a split covers every line exactly once with vendors that can fill them, and the exact split
//! never needs more vendors than the greedy one.

use khaacho::routing::{
    Config, Decision, Line, Offer, Place, Vendor, VendorStats, Weights, decide, fill, split,
};
use proptest::prelude::*;

const DISTRICTS: [(&str, &str); 4] = [
    ("Kaski", "Gandaki"),
    ("Tanahun", "Gandaki"),
    ("Jhapa", "Koshi"),
    ("", ""),
];

fn offer() -> impl Strategy<Value = Offer> {
    (
        0u64..6,
        any::<u64>(),
        -50i64..20_000,
        -5i64..100,
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |(product_id, listing_id, price_paisa, stock, orderable)| Offer {
                product_id,
                listing_id,
                price_paisa,
                stock,
                orderable,
            },
        )
}

/// Mostly plausible histories (some unreliable), and now and then arbitrary counters.
fn stats() -> impl Strategy<Value = VendorStats> {
    let plausible = (
        0u32..80,
        0u32..25,
        0u32..10,
        0u32..40,
        0u32..=100,
        0u64..7_200,
        0u64..200_000,
    )
        .prop_map(
            |(accepted, rejected, expired, cancel_pct, deliver_pct, accept, fulfil)| {
                let cancelled = accepted * cancel_pct / 100;
                let delivered = (accepted - cancelled) * deliver_pct / 100;
                VendorStats {
                    offered: accepted + rejected + expired,
                    accepted,
                    rejected,
                    expired,
                    cancelled_after_accept: cancelled,
                    delivered,
                    total_accept_secs: u64::from(accepted) * accept,
                    total_fulfil_secs: u64::from(delivered) * fulfil,
                }
            },
        );
    let arbitrary = any::<(u32, u32, u32, u32, u32, u32, u64, u64)>().prop_map(|t| VendorStats {
        offered: t.0,
        accepted: t.1,
        rejected: t.2,
        expired: t.3,
        cancelled_after_accept: t.4,
        delivered: t.5,
        total_accept_secs: t.6,
        total_fulfil_secs: t.7,
    });
    prop_oneof![4 => plausible, 1 => arbitrary]
}

fn vendor() -> impl Strategy<Value = Vendor> {
    (
        1u64..16,
        0usize..DISTRICTS.len(),
        prop::bool::weighted(0.9),
        0u32..80,
        stats(),
        prop::collection::vec(offer(), 0..12),
    )
        .prop_map(|(vendor_id, place, active, open_orders, stats, offers)| {
            let (district, province) = DISTRICTS[place];
            Vendor {
                vendor_id,
                name: format!("V{vendor_id}"),
                district: district.into(),
                province: province.into(),
                active,
                open_orders,
                stats,
                offers,
            }
        })
}

fn lines() -> impl Strategy<Value = Vec<Line>> {
    prop::collection::vec(
        (0u64..7, 0u32..15).prop_map(|(product_id, quantity)| Line {
            product_id,
            quantity,
            name: format!("P{product_id}"),
        }),
        0..8,
    )
}

fn odd_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-1.0),
        -2.0f64..150.0,
    ]
}

fn config() -> impl Strategy<Value = Config> {
    let weights = (0u32..60, 0u32..60, 0u32..60, 0u32..60, 0u32..60).prop_map(|w| Weights {
        availability: w.0,
        price: w.1,
        proximity: w.2,
        workload: w.3,
        reliability: w.4,
    });
    let sane = weights.clone().prop_map(|weights| Config {
        weights,
        ..Config::default()
    });
    let wild = (
        weights,
        odd_float(),
        odd_float(),
        odd_float(),
        odd_float(),
        0u32..20,
        0u32..3,
    )
        .prop_map(|(weights, a, b, c, d, cold, half)| Config {
            weights,
            min_score: a,
            min_reliability: b,
            stock_headroom: c,
            price_gap_at_zero: d,
            cold_start_orders: cold,
            workload_half_orders: half,
            accept_secs_half: u64::from(half),
            exact_split_max_lines: 40,
            ..Config::default()
        });
    prop_oneof![3 => sane, 1 => wild]
}

fn place() -> impl Strategy<Value = Place> {
    (0usize..DISTRICTS.len()).prop_map(|i| Place {
        district: DISTRICTS[i].0.into(),
        province: DISTRICTS[i].1.into(),
    })
}

/// The vendor routing uses for an id: the first one given.
fn first(vendors: &[Vendor], id: u64) -> &Vendor {
    vendors
        .iter()
        .find(|v| v.vendor_id == id)
        .expect("known id")
}

fn check_decision(d: &Decision, lines: &[Line], vendors: &[Vendor], exclude: &[u64]) {
    for c in &d.candidates {
        assert!((0.0..=100.0).contains(&c.score), "score {}", c.score);
        let f = c.factors;
        for x in [
            f.availability,
            f.price,
            f.proximity,
            f.workload,
            f.reliability,
        ] {
            assert!((0.0..=1.0).contains(&x), "factor {x}");
        }
        assert!(!c.reason.is_empty());
    }
    let mut ids: Vec<u64> = d.candidates.iter().map(|c| c.vendor_id).collect();
    let ranked = d.candidates.windows(2).all(|w| {
        (w[0].eligible, w[0].score, std::cmp::Reverse(w[0].vendor_id))
            >= (w[1].eligible, w[1].score, std::cmp::Reverse(w[1].vendor_id))
    });
    assert!(ranked, "candidates best first");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), d.candidates.len(), "one rank per vendor");
    if let Some(id) = d.chosen_vendor_id {
        assert_eq!(
            d.candidates.first().map(|c| (c.vendor_id, c.eligible)),
            Some((id, true))
        );
        let v = first(vendors, id);
        assert!(v.active && !exclude.contains(&id));
        assert!(fill(v, lines).is_ok(), "chosen vendor fills every line");
    } else {
        assert!(d.candidates.iter().all(|c| !c.eligible));
    }
}

/// A cart of `n` distinct products and vendors each selling a random subset of them with
/// plenty of stock: the shape where splits are common and greedy can miss the minimum.
fn subset_market() -> impl Strategy<Value = (Vec<Line>, Vec<Vendor>)> {
    (
        1u64..=12,
        prop::collection::vec((any::<u16>(), 0u32..30, 0usize..DISTRICTS.len()), 2..25),
    )
        .prop_map(|(n, sellers)| {
            let lines = (0..n)
                .map(|p| Line {
                    product_id: p,
                    quantity: 1 + (p % 3) as u32,
                    name: format!("P{p}"),
                })
                .collect();
            let vendors = sellers
                .into_iter()
                .enumerate()
                .map(|(i, (bits, open_orders, place))| Vendor {
                    vendor_id: i as u64 + 1,
                    name: format!("V{}", i + 1),
                    district: DISTRICTS[place].0.into(),
                    province: DISTRICTS[place].1.into(),
                    active: true,
                    open_orders,
                    stats: VendorStats::default(),
                    offers: (0..n)
                        .filter(|p| bits & (1 << p) != 0)
                        .map(|p| Offer {
                            product_id: p,
                            listing_id: p,
                            price_paisa: 1_000 + (bits as i64 % 7) * 10,
                            stock: 50,
                            orderable: true,
                        })
                        .collect(),
                })
                .collect();
            (lines, vendors)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn decide_never_panics_and_chooses_only_an_eligible_vendor_that_fills_every_line(
        lines in lines(),
        vendors in prop::collection::vec(vendor(), 0..12),
        retailer in place(),
        exclude in prop::collection::vec(1u64..16, 0..4),
        cfg in config(),
    ) {
        let d = decide(&lines, &vendors, &retailer, &exclude, &cfg);
        check_decision(&d, &lines, &vendors, &exclude);
    }

    #[test]
    fn a_split_covers_every_line_exactly_once_with_vendors_that_fill_them(
        lines in lines(),
        vendors in prop::collection::vec(vendor(), 0..12),
        retailer in place(),
        exclude in prop::collection::vec(1u64..16, 0..4),
        cfg in config(),
    ) {
        match split(&lines, &vendors, &retailer, &exclude, &cfg) {
            Ok(s) => {
                let mut seen: Vec<usize> = s.parts.iter().flat_map(|p| p.lines.clone()).collect();
                seen.sort_unstable();
                prop_assert_eq!(seen, (0..lines.len()).collect::<Vec<_>>());
                let mut used: Vec<u64> = s.parts.iter().map(|p| p.vendor_id).collect();
                used.sort_unstable();
                used.dedup();
                prop_assert_eq!(used.len(), s.parts.len(), "one part per vendor");
                for p in &s.parts {
                    let own: Vec<Line> = p.lines.iter().map(|&l| lines[l].clone()).collect();
                    let v = first(&vendors, p.vendor_id);
                    prop_assert!(v.active && !exclude.contains(&v.vendor_id));
                    prop_assert!(fill(v, &own).is_ok());
                    prop_assert_eq!(p.decision.chosen_vendor_id, Some(p.vendor_id));
                    check_decision(&p.decision, &own, &vendors, &exclude);
                }
            }
            Err(e) => prop_assert!(lines.is_empty() || !e.lines.is_empty(), "{}", e.reason),
        }
    }

    #[test]
    fn the_exact_split_never_uses_more_vendors_than_the_greedy_one(
        lines in lines(),
        vendors in prop::collection::vec(vendor(), 0..12),
        retailer in place(),
        exclude in prop::collection::vec(1u64..16, 0..4),
        weights in config().prop_map(|c| c.weights),
    ) {
        let exact = Config { weights, min_score: 0.0, ..Config::default() };
        let greedy = Config { exact_split_max_lines: 0, ..exact.clone() };
        let e = split(&lines, &vendors, &retailer, &exclude, &exact);
        let g = split(&lines, &vendors, &retailer, &exclude, &greedy);
        prop_assert_eq!(e.is_ok(), g.is_ok());
        if let (Ok(e), Ok(g)) = (e, g) {
            prop_assert!(e.parts.len() <= g.parts.len());
        }
    }

    #[test]
    fn on_subset_markets_exact_is_never_worse_than_greedy_and_both_cover_every_line(
        (lines, vendors) in subset_market(),
        retailer in place(),
    ) {
        let exact = Config { min_score: 0.0, ..Config::default() };
        let greedy = Config { exact_split_max_lines: 0, ..exact.clone() };
        let e = split(&lines, &vendors, &retailer, &[], &exact);
        let g = split(&lines, &vendors, &retailer, &[], &greedy);
        prop_assert_eq!(e.is_ok(), g.is_ok());
        if let (Ok(e), Ok(g)) = (e, g) {
            prop_assert!(e.parts.len() <= g.parts.len());
            for s in [&e, &g] {
                let mut seen: Vec<usize> = s.parts.iter().flat_map(|p| p.lines.clone()).collect();
                seen.sort_unstable();
                prop_assert_eq!(seen, (0..lines.len()).collect::<Vec<_>>());
                for p in &s.parts {
                    let own: Vec<Line> = p.lines.iter().map(|&l| lines[l].clone()).collect();
                    prop_assert!(fill(first(&vendors, p.vendor_id), &own).is_ok());
                }
            }
        }
    }

    #[test]
    fn the_order_vendors_are_given_in_does_not_change_decide_or_split(
        lines in lines(),
        vendors in prop::collection::vec(vendor(), 0..12),
        retailer in place(),
        exclude in prop::collection::vec(1u64..16, 0..4),
        cfg in config(),
    ) {
        let mut unique: Vec<Vendor> = Vec::new();
        for v in vendors {
            if !unique.iter().any(|u| u.vendor_id == v.vendor_id) {
                unique.push(v);
            }
        }
        let reversed: Vec<Vendor> = unique.iter().rev().cloned().collect();
        prop_assert_eq!(
            decide(&lines, &unique, &retailer, &exclude, &cfg),
            decide(&lines, &reversed, &retailer, &exclude, &cfg)
        );
        prop_assert_eq!(
            split(&lines, &unique, &retailer, &exclude, &cfg),
            split(&lines, &reversed, &retailer, &exclude, &cfg)
        );
    }

    #[test]
    fn when_one_vendor_can_take_the_order_the_split_is_that_single_order(
        lines in lines(),
        vendors in prop::collection::vec(vendor(), 0..12),
        retailer in place(),
        exclude in prop::collection::vec(1u64..16, 0..4),
        weights in config().prop_map(|c| c.weights),
    ) {
        let cfg = Config { weights, min_score: 0.0, ..Config::default() };
        let d = decide(&lines, &vendors, &retailer, &exclude, &cfg);
        if let Some(chosen) = d.chosen_vendor_id {
            let s = split(&lines, &vendors, &retailer, &exclude, &cfg).expect("splittable");
            prop_assert_eq!(s.parts.len(), 1);
            prop_assert_eq!(s.parts[0].vendor_id, chosen);
        }
    }
}
