//! Order use cases with their access rules: a retailer orders for itself, an operator on a
//! retailer's behalf; vendors and retailers see and move only their own orders.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::create::{Preflight, may_order_for, preflight};
use super::moves::{Context, MoveRequest};
use super::state::{Action, OrderState};
use super::{
    MoveOutcome, NewOrder, Order, OrderError, OrderEvent, Placed, Rules, act, place, store,
};
use crate::auth::Acting;
use crate::auth::Principal;
use crate::credit;
use crate::storage::{ReadTx, Store, TableRead, Tx, tables};
use crate::support::clock::Clock;
use crate::support::page::{self, Page};
use crate::support::telemetry::Walked;

/// The shop's and the vendor's names of an order, where they still exist.
pub type PartyNames = (Option<String>, Option<String>);

pub struct OrderService {
    store: Store,
    clock: Arc<dyn Clock>,
    rules: Rules,
    credit_rules: credit::Rules,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub retailer_id: Option<u64>,
    pub vendor_id: Option<u64>,
    pub state: Option<OrderState>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<u64>,
    pub limit: usize,
}

/// Carts of up to this many lines are planned on the request's own thread (well under a
/// millisecond); a bigger one, whose routing searches more vendor covers, on a blocking thread.
const PLAN_ON_REQUEST_THREAD: usize = 16;

/// Up to this many orders have their parties' names looked up on the request's own thread.
const NAMES_ON_REQUEST_THREAD: usize = 8;

fn may_see(p: &Principal, o: &Order) -> bool {
    p.is_staff() || p.vendor_id() == Some(o.vendor_id) || p.retailer_id() == Some(o.retailer_id)
}

impl OrderService {
    /// The shop's and the vendor's names for each `(retailer_id, vendor_id)`.
    pub async fn party_names(
        &self,
        ids: Vec<(u64, u64)>,
    ) -> Result<Vec<PartyNames>, crate::storage::StoreError> {
        let on_request_thread = ids.len() <= NAMES_ON_REQUEST_THREAD;
        let look_up = move |tx: &ReadTx| -> Result<Vec<PartyNames>, crate::storage::StoreError> {
            ids.iter()
                .map(|(r, v)| {
                    let shop = crate::retailers::store::get(tx, *r)?.map(|r| r.name);
                    let vendor = crate::catalog::store::vendor(tx, *v)?.map(|v| v.name);
                    Ok((shop, vendor))
                })
                .collect()
        };
        // A placed cart's few orders are two point reads each: handing them to a blocking
        // thread and back cost more than the reads (7 % of the request threads' time under
        // the order load, in `spawn_blocking` alone). A listing's page goes off the async threads.
        if on_request_thread {
            self.store.read_now(look_up)
        } else {
            self.store.read(look_up).await
        }
    }

    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        rules: Rules,
        credit_rules: credit::Rules,
    ) -> Self {
        Self {
            store,
            clock,
            rules,
            credit_rules,
        }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Places an order. A retailer orders for itself; staff must name the retailer.
    pub async fn place(&self, who: &Principal, mut req: NewOrder) -> Result<Placed, OrderError> {
        if let Some(own) = who.retailer_id()
            && req.retailer_id == 0
        {
            req.retailer_id = own;
        }
        if req.retailer_id == 0 && who.is_staff() {
            return Err(OrderError::Rule(
                "retailer_id is required when ordering on a retailer's behalf".into(),
            ));
        }
        self.place_as(Acting::User(who.clone()), req).await
    }

    /// Places an order for `acting`: routed and priced on a snapshot, then placed (and every
    /// check made again) in the write transaction.
    pub async fn place_as(&self, acting: Acting, req: NewOrder) -> Result<Placed, OrderError> {
        may_order_for(&acting, req.retailer_id)?;
        let rules = self.rules.clone();
        let now = self.clock.now();
        let checked = if req.lines.len() <= PLAN_ON_REQUEST_THREAD {
            self.store.read_now(|tx| preflight(tx, &req, &rules, now))?
        } else {
            let (check_req, check_rules) = (req.clone(), rules.clone());
            self.store
                .read(move |tx| preflight(tx, &check_req, &check_rules, now))
                .await?
        };
        let prepared = match checked {
            Preflight::Replay(placed) => return Ok(placed),
            Preflight::Ready(p) => p,
        };
        self.store
            .write(move |tx| place(tx, &acting, &req, Some(&prepared), &rules, now))
            .await
    }

    /// Applies a state-machine action on behalf of `acting`.
    pub async fn act(
        &self,
        acting: Acting,
        id: u64,
        action: Action,
        note: String,
    ) -> Result<MoveOutcome, OrderError> {
        self.act_on(acting, id, MoveRequest::new(action, note))
            .await
    }

    /// Applies a move, with everything it may carry (a manual re-route's target vendor).
    pub async fn act_on(
        &self,
        acting: Acting,
        id: u64,
        req: MoveRequest,
    ) -> Result<MoveOutcome, OrderError> {
        let (rules, credit_rules, now) = (
            self.rules.clone(),
            self.credit_rules.clone(),
            self.clock.now(),
        );
        self.store
            .write(move |tx| {
                let ctx = Context {
                    rules: &rules,
                    credit_rules: &credit_rules,
                    now,
                };
                act(tx, &acting, id, &req, &ctx)
            })
            .await
    }

    /// A user's move from the REST API: the outcome, and the order's history when the caller
    /// may still see the order afterwards (a vendor that rejected it no longer does).
    pub async fn transition(
        &self,
        who: &Principal,
        id: u64,
        req: MoveRequest,
    ) -> Result<(MoveOutcome, Option<Vec<OrderEvent>>), OrderError> {
        let (rules, credit_rules, now) = (
            self.rules.clone(),
            self.credit_rules.clone(),
            self.clock.now(),
        );
        let who = who.clone();
        self.store
            .write(move |tx| {
                let ctx = Context {
                    rules: &rules,
                    credit_rules: &credit_rules,
                    now,
                };
                let out = act(tx, &Acting::User(who.clone()), id, &req, &ctx)?;
                let history = may_see(&who, &out.order)
                    .then(|| store::history(tx, id))
                    .transpose()?;
                Ok((out, history))
            })
            .await
    }

    /// A vendor's figures as routing sees them (staff, or the vendor itself).
    pub async fn vendor_performance(
        &self,
        who: &Principal,
        vendor_id: u64,
    ) -> Result<super::route::VendorRecord, OrderError> {
        if !who.may_act_for_vendor(vendor_id) {
            return Err(OrderError::Forbidden(
                "you may only see your own figures".into(),
            ));
        }
        self.store
            .read(move |tx| {
                crate::catalog::store::vendor(tx, vendor_id)?.ok_or(OrderError::UnknownRecord(
                    format!("no vendor with id {vendor_id}"),
                ))?;
                Ok(super::route::vendor_record(tx, vendor_id)?)
            })
            .await
    }

    /// The routing decisions made for an order, oldest first (staff only).
    pub async fn routing(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<Vec<super::route::StoredDecision>, OrderError> {
        if !who.is_staff() {
            return Err(OrderError::Forbidden(
                "only operators and admins see routing decisions".into(),
            ));
        }
        self.store
            .read(move |tx| {
                store::get(tx, id)?.ok_or(OrderError::NotFound(id))?;
                Ok(super::route::decisions(tx, id)?)
            })
            .await
    }

    /// Sends every order whose vendor missed its acceptance deadline to the next vendor (the
    /// deadline job). An order that cannot be moved on is logged and skipped; the others go on.
    pub async fn expire_overdue(&self) -> Result<Walked, OrderError> {
        let now = self.clock.now();
        let due = self
            .store
            .read(move |tx| store::past_deadline(tx, now, 500))
            .await?;
        let mut walked = Walked::default();
        for id in due {
            match self
                .act(
                    Acting::System,
                    id,
                    Action::Expire,
                    "no answer before the deadline".into(),
                )
                .await
            {
                Ok(_) => walked.done += 1,
                // Accepted or cancelled meanwhile: nothing to do.
                Err(OrderError::Transition(_)) => {}
                Err(e) => {
                    tracing::error!(order = id, error = %e, "could not move an overdue order on; skipped");
                    walked.skipped += 1;
                }
            }
        }
        Ok(walked)
    }

    pub async fn get(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<(Order, Vec<OrderEvent>), OrderError> {
        let who = who.clone();
        self.store
            .read(move |tx| {
                let o = store::get(tx, id)?
                    .filter(|o| may_see(&who, o))
                    .ok_or(OrderError::NotFound(id))?;
                let history = store::history(tx, id)?;
                Ok((o, history))
            })
            .await
    }

    pub async fn list(
        &self,
        who: &Principal,
        mut f: OrderFilter,
    ) -> Result<Page<Order>, OrderError> {
        if !who.is_staff() {
            let (own_r, own_v) = (who.retailer_id(), who.vendor_id());
            if own_r.is_none() && own_v.is_none() {
                return Err(OrderError::Forbidden(
                    "this login is not linked to a retailer or vendor".into(),
                ));
            }
            if f.retailer_id.is_some_and(|r| Some(r) != own_r)
                || f.vendor_id.is_some_and(|v| Some(v) != own_v)
            {
                return Err(OrderError::Forbidden(
                    "you may only list your own orders".into(),
                ));
            }
            f.retailer_id = own_r.or(f.retailer_id);
            f.vendor_id = own_v.or(f.vendor_id);
        }
        Ok(self.store.read(move |tx| list_tx(tx, &f)).await?)
    }
}

fn list_tx(tx: &impl Tx, f: &OrderFilter) -> Result<Page<Order>, crate::storage::StoreError> {
    let keep = |o: &Order| {
        f.retailer_id.is_none_or(|r| o.retailer_id == r)
            && f.vendor_id.is_none_or(|v| o.vendor_id == v)
            && f.state.is_none_or(|s| o.state == s)
            && f.from.is_none_or(|t| o.created_at >= t)
            && f.to.is_none_or(|t| o.created_at < t)
    };
    let view = tx.open(tables::ORDERS)?;
    let Some(ids) = store::ids_by(tx, f.retailer_id, f.vendor_id)? else {
        return page::newest_first(&view, f.cursor, f.limit, keep);
    };
    let start = f.cursor.map_or(0, |c| ids.partition_point(|&id| id >= c));
    let mut items = Vec::new();
    let mut next_cursor = None;
    for &id in &ids[start..] {
        let o = view.need(id, format_args!("order {id}"))?;
        if !keep(&o) {
            continue;
        }
        if items.len() == f.limit {
            next_cursor = items.last().map(|o: &Order| o.id.to_string());
            break;
        }
        items.push(o);
    }
    Ok(Page { items, next_cursor })
}
