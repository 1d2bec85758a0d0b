//! The one order state machine: every move, who may make it, and what it does.
//!
//! `PLACED → ACCEPTED → PACKING → DISPATCHED → DELIVERED → COMPLETED`, `CANCELLED` from any
//! non-final state. A vendor's rejection (or a missed deadline) sends a PLACED order back to
//! routing. Handlers and the WhatsApp conversation both go through [`plan`]; nothing else
//! decides whether a move is allowed.

use serde::{Deserialize, Serialize};

/// Declares the states once: the enum, their names on the wire and in messages, and
/// [`ALL_STATES`] in the machine's order all come from this one list.
macro_rules! order_states {
    ($($state:ident => $name:literal),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum OrderState {
            $(#[serde(rename = $name)] $state,)+
        }

        /// Every state, in the order an order goes through them.
        pub const ALL_STATES: [OrderState; [$($name),+].len()] = [$(OrderState::$state),+];

        impl OrderState {
            /// The state's name, as the API and messages write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(OrderState::$state => $name,)+
                }
            }
        }
    };
}

order_states! {
    Placed => "PLACED",
    Accepted => "ACCEPTED",
    Packing => "PACKING",
    Dispatched => "DISPATCHED",
    Delivered => "DELIVERED",
    Completed => "COMPLETED",
    Cancelled => "CANCELLED",
}

impl OrderState {
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Completed | OrderState::Cancelled)
    }

    /// Stock is reserved and credit held (or posted) for the order in these states.
    pub fn is_open(self) -> bool {
        !self.is_final()
    }

    /// The order's credit is held (a pending ledger transfer), not yet posted by delivery.
    pub fn holds_credit(self) -> bool {
        self.is_open() && self != OrderState::Delivered
    }
}

impl std::str::FromStr for OrderState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATES
            .iter()
            .copied()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = ALL_STATES.iter().map(|st| st.as_str()).collect();
                format!("unknown state '{s}' (expected one of {})", names.join(", "))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    Reject,
    Pack,
    Dispatch,
    Deliver,
    Complete,
    Cancel,
    /// The vendor's acceptance deadline passed (system only).
    Expire,
    /// An operator moves the order to another vendor by hand.
    Reroute,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Pack => "pack",
            Action::Dispatch => "dispatch",
            Action::Deliver => "deliver",
            Action::Complete => "complete",
            Action::Cancel => "cancel",
            Action::Expire => "expire",
            Action::Reroute => "reroute",
        }
    }
}

/// Who is making a move, relative to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The order's retailer.
    Retailer,
    /// The order's vendor.
    Vendor,
    /// An operator or admin.
    Staff,
    /// Khaacho itself (deadlines, automatic completion).
    System,
}

/// What a move does besides changing the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only the state changes.
    None,
    /// Stock goes back to this vendor, the order goes to the next eligible vendor (credit
    /// stays held); with none left it is cancelled and the hold voided.
    Reroute,
    /// The credit hold is posted: the retailer owes the total from now, due after their terms.
    PostCredit,
    /// Stock is released and the credit hold voided.
    Release,
    /// After delivery: the posted amounts are reversed by new transfers and stock returns.
    Reverse,
}

/// An allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: OrderState,
    pub to: OrderState,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the order is {state}; it cannot be {action}ed from there", state = .state.as_str(), action = .action.as_str())]
    Illegal { state: OrderState, action: Action },
    #[error("{0}")]
    NotAllowed(String),
}

use Action as A;
use Mover as M;
use OrderState as S;

/// One line of the machine: (action, from-states, to, movers, effect).
type Rule = (
    Action,
    &'static [OrderState],
    OrderState,
    &'static [Mover],
    Effect,
);

/// The whole machine.
const RULES: &[Rule] = &[
    (
        A::Accept,
        &[S::Placed],
        S::Accepted,
        &[M::Vendor, M::Staff],
        Effect::None,
    ),
    (
        A::Reject,
        &[S::Placed],
        S::Placed,
        &[M::Vendor, M::Staff],
        Effect::Reroute,
    ),
    (
        A::Expire,
        &[S::Placed],
        S::Placed,
        &[M::System],
        Effect::Reroute,
    ),
    (
        A::Reroute,
        &[S::Placed, S::Accepted],
        S::Placed,
        &[M::Staff],
        Effect::Reroute,
    ),
    (
        A::Pack,
        &[S::Accepted],
        S::Packing,
        &[M::Vendor, M::Staff],
        Effect::None,
    ),
    (
        A::Dispatch,
        &[S::Accepted, S::Packing],
        S::Dispatched,
        &[M::Vendor, M::Staff],
        Effect::None,
    ),
    (
        A::Deliver,
        &[S::Dispatched],
        S::Delivered,
        &[M::Vendor, M::Staff],
        Effect::PostCredit,
    ),
    (
        A::Complete,
        &[S::Delivered],
        S::Completed,
        &[M::Retailer, M::Staff, M::System],
        Effect::None,
    ),
    (
        A::Cancel,
        &[S::Placed, S::Accepted, S::Packing, S::Dispatched],
        S::Cancelled,
        &[M::Retailer, M::Staff, M::System],
        Effect::Release,
    ),
    (
        A::Cancel,
        &[S::Delivered],
        S::Cancelled,
        &[M::Staff],
        Effect::Reverse,
    ),
];

/// Decides whether `mover` may apply `action` to an order in `state`, and what it does.
pub fn plan(state: OrderState, action: Action, mover: Mover) -> Result<Move, TransitionError> {
    let rule = RULES
        .iter()
        .find(|(a, from, ..)| *a == action && from.contains(&state))
        .ok_or(TransitionError::Illegal { state, action })?;
    let (_, _, to, movers, effect) = *rule;
    if !movers.contains(&mover) {
        return Err(TransitionError::NotAllowed(format!(
            "{} may not {} an order that is {}",
            mover_name(mover),
            action.as_str(),
            state.as_str()
        )));
    }
    // A shop may withdraw its order only until the vendor has taken it on.
    if mover == M::Retailer && action == A::Cancel && state != S::Placed {
        return Err(TransitionError::NotAllowed(
            "the vendor has already accepted this order; ask the operator to cancel it".into(),
        ));
    }
    Ok(Move {
        from: state,
        to,
        effect,
    })
}

fn mover_name(m: Mover) -> &'static str {
    match m {
        M::Retailer => "the retailer",
        M::Vendor => "the vendor",
        M::Staff => "staff",
        M::System => "the system",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_runs_from_placed_to_completed() {
        let mut s = S::Placed;
        for (a, m) in [
            (A::Accept, M::Vendor),
            (A::Pack, M::Vendor),
            (A::Dispatch, M::Vendor),
            (A::Deliver, M::Vendor),
            (A::Complete, M::Retailer),
        ] {
            s = plan(s, a, m).unwrap().to;
        }
        assert_eq!(s, S::Completed);
    }

    #[test]
    fn an_illegal_move_names_the_current_state() {
        let err = plan(S::Dispatched, A::Accept, M::Vendor).unwrap_err();
        assert!(err.to_string().contains("DISPATCHED"), "{err}");
        assert!(matches!(
            plan(S::Completed, A::Cancel, M::Staff),
            Err(TransitionError::Illegal { .. })
        ));
        assert!(matches!(
            plan(S::Cancelled, A::Cancel, M::Staff),
            Err(TransitionError::Illegal { .. })
        ));
    }

    #[test]
    fn each_move_is_limited_to_its_movers() {
        assert!(matches!(
            plan(S::Placed, A::Accept, M::Retailer),
            Err(TransitionError::NotAllowed(_))
        ));
        assert!(matches!(
            plan(S::Delivered, A::Complete, M::Vendor),
            Err(TransitionError::NotAllowed(_))
        ));
        assert!(matches!(
            plan(S::Placed, A::Expire, M::Staff),
            Err(TransitionError::NotAllowed(_))
        ));
        assert!(plan(S::Placed, A::Cancel, M::Retailer).is_ok());
        assert!(matches!(
            plan(S::Accepted, A::Cancel, M::Retailer),
            Err(TransitionError::NotAllowed(_))
        ));
        assert!(plan(S::Accepted, A::Cancel, M::Staff).is_ok());
    }

    #[test]
    fn rejection_sends_the_order_back_to_routing_and_delivery_posts_credit() {
        assert_eq!(
            plan(S::Placed, A::Reject, M::Vendor).unwrap().effect,
            Effect::Reroute
        );
        assert_eq!(
            plan(S::Dispatched, A::Deliver, M::Vendor).unwrap().effect,
            Effect::PostCredit
        );
        assert_eq!(
            plan(S::Packing, A::Cancel, M::Staff).unwrap().effect,
            Effect::Release
        );
        assert_eq!(
            plan(S::Delivered, A::Cancel, M::Staff).unwrap().effect,
            Effect::Reverse
        );
    }

    #[test]
    fn no_move_leaves_a_final_state() {
        for a in [
            A::Accept,
            A::Reject,
            A::Pack,
            A::Dispatch,
            A::Deliver,
            A::Complete,
            A::Cancel,
            A::Expire,
            A::Reroute,
        ] {
            for m in [M::Retailer, M::Vendor, M::Staff, M::System] {
                assert!(plan(S::Completed, a, m).is_err());
                assert!(plan(S::Cancelled, a, m).is_err());
            }
        }
    }
}
