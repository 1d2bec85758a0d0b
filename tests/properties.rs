//! Properties over random sequences: the state machine never leaves a final state and only
//! moves along its table; and whatever mix of orders, rejections, deadlines, overrides,
//! deliveries, cancellations and payments happens, the ledger balances, stock is never
//! negative and every open order holds exactly one credit hold (`khaacho check` passes).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use khaacho::app::services::Services;
use khaacho::auth::{Party, Principal};
use khaacho::config::Config;
use khaacho::credit::payments::{Method, PaymentInput};
use khaacho::orders::state::{ALL_STATES, Action, Mover, OrderState, plan};
use khaacho::orders::{
    Acting, LineRequest, MoveRequest, NewOrder, OrderError, OrderSource, ProductRef,
};
use khaacho::support::clock::ManualClock;
use khaacho::types::Role;
use proptest::prelude::*;

const ACTIONS: [Action; 9] = [
    Action::Accept,
    Action::Reject,
    Action::Pack,
    Action::Dispatch,
    Action::Deliver,
    Action::Complete,
    Action::Cancel,
    Action::Expire,
    Action::Reroute,
];
const MOVERS: [Mover; 4] = [Mover::Retailer, Mover::Vendor, Mover::Staff, Mover::System];

proptest! {
    #[test]
    fn the_state_machine_never_leaves_a_final_state_and_cancels_only_what_is_open(
        steps in prop::collection::vec((0..9usize, 0..4usize), 0..40)
    ) {
        let mut state = OrderState::Placed;
        for (a, m) in steps {
            if let Ok(mv) = plan(state, ACTIONS[a], MOVERS[m]) {
                prop_assert!(!state.is_final(), "a move out of {state:?}");
                prop_assert_eq!(mv.from, state);
                if mv.to == OrderState::Cancelled {
                    prop_assert!(matches!(state, OrderState::Placed | OrderState::Accepted | OrderState::Packing | OrderState::Dispatched | OrderState::Delivered));
                }
                state = mv.to;
            }
        }
        prop_assert!(ALL_STATES.contains(&state));
    }
}

#[derive(Debug, Clone)]
enum Op {
    Place {
        retailer: u64,
        lines: Vec<(usize, u32)>,
    },
    Act {
        pick: usize,
        action: usize,
        by_vendor: bool,
    },
    Reroute {
        pick: usize,
        to: Option<u64>,
    },
    Pay {
        retailer: u64,
        amount: i64,
    },
    Wait {
        minutes: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..=15u64, prop::collection::vec((0..6usize, 1..4u32), 1..4)).prop_map(|(retailer, lines)| Op::Place { retailer, lines }),
        6 => (0..50usize, 0..7usize, any::<bool>()).prop_map(|(pick, action, by_vendor)| Op::Act { pick, action, by_vendor }),
        1 => (0..50usize, prop::option::of(1..=8u64)).prop_map(|(pick, to)| Op::Reroute { pick, to }),
        2 => (1..=15u64, 1..200_000i64).prop_map(|(retailer, amount)| Op::Pay { retailer, amount }),
        1 => (1..90i64).prop_map(|minutes| Op::Wait { minutes }),
    ]
}

const SKUS: [&str; 6] = [
    "RICE-1KG",
    "SUGAR-1KG",
    "DAL-MASOOR-1KG",
    "OIL-SOYA-1L",
    "SALT-AAYO-1KG",
    "RICE-25KG",
];

fn staff() -> Principal {
    Principal {
        user_id: 1,
        role: Role::Admin,
        party: None,
        session_id: 1,
        must_change_password: false,
    }
}

/// Errors a random sequence may meet on purpose; anything else is a bug.
fn expected(e: &OrderError) -> bool {
    !matches!(e, OrderError::Store(_) | OrderError::Ledger(_))
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap());
    let mut cfg = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    cfg.log.file = false;
    let (svc, _) = Services::open(cfg, Arc::new(clock.clone()), true)
        .await
        .unwrap();
    let mut orders: Vec<u64> = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            Op::Place { retailer, lines } => {
                let lines = lines
                    .into_iter()
                    .map(|(s, q)| LineRequest {
                        product: ProductRef::Sku(SKUS[s].into()),
                        quantity: q,
                    })
                    .collect();
                let req = NewOrder {
                    retailer_id: retailer,
                    lines,
                    idempotency_key: Some(format!("p{i}")),
                    source: OrderSource::Api,
                };
                match svc
                    .orders()
                    .place_as(khaacho::auth::Acting::System, req)
                    .await
                {
                    Ok(placed) => orders.extend(placed.orders.iter().map(|o| o.id)),
                    Err(e) => prop_assert!(expected(&e), "{e}"),
                }
            }
            Op::Act {
                pick,
                action,
                by_vendor,
            } if !orders.is_empty() => {
                let id = orders[pick % orders.len()];
                let acting = if by_vendor {
                    let (o, _) = svc.orders().get(&staff(), id).await.unwrap();
                    Acting::User(Principal {
                        user_id: 99,
                        role: Role::Vendor,
                        party: Some(Party::Vendor(o.vendor_id)),
                        session_id: 99,
                        must_change_password: false,
                    })
                } else {
                    Acting::User(staff())
                };
                if let Err(e) = svc
                    .orders()
                    .act_on(acting, id, MoveRequest::new(ACTIONS[action], "property"))
                    .await
                {
                    prop_assert!(expected(&e), "{e}");
                }
            }
            Op::Reroute { pick, to } if !orders.is_empty() => {
                let id = orders[pick % orders.len()];
                let req = MoveRequest {
                    action: Action::Reroute,
                    note: "property".into(),
                    vendor_id: to,
                };
                if let Err(e) = svc.orders().act_on(Acting::User(staff()), id, req).await {
                    prop_assert!(expected(&e), "{e}");
                }
            }
            Op::Pay { retailer, amount } => {
                let input = PaymentInput {
                    retailer_id: retailer,
                    amount_paisa: amount,
                    method: Method::Cash,
                    reference: format!("r{i}"),
                };
                svc.credit().record_payment(&staff(), input).await.unwrap();
            }
            Op::Wait { minutes } => {
                clock.advance(Duration::minutes(minutes));
                svc.orders().expire_overdue().await.unwrap();
            }
            _ => {}
        }
    }
    let report = khaacho::app::ops::run(&svc, khaacho::app::ops::Request::Check)
        .await
        .unwrap();
    prop_assert_eq!(&report["ok"], &serde_json::Value::Bool(true), "{}", report);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_ledger_balanced_stock_non_negative_and_one_hold_per_open_order(
        ops in prop::collection::vec(op(), 1..30)
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}
