//! One simulated day: its events in time order, in one write transaction, each through its
//! door; the follow-ups (a vendor's next move, a shop's payment) are scheduled as they happen.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Tally;
pub use super::events::{Event, Timed};
use super::world::{Payer, World};
use crate::analytics::facts::day_start;
use crate::app::services::Services;
use crate::auth::{Acting, Party};
use crate::catalog::{ListingPatch, change_listing};
use crate::credit::payments::{Method, PaymentInput};
use crate::orders::{Action, OrderState};
use crate::orders::{
    Context, LineRequest, MoveRequest, NewOrder, OrderSource, ProductRef, act, place,
};
use crate::storage::{StoreError, TableRead, WriteTx, tables};
use crate::support::clock::ManualClock;

/// Runs `day`: the shops' orders and the market, with the events carried over from earlier
/// days. Returns the events that fall on later days.
pub async fn run(
    svc: &Services,
    clock: &ManualClock,
    world: &std::sync::Arc<World>,
    seed: u64,
    day: NaiveDate,
    first: NaiveDate,
    carried: Vec<Timed>,
) -> Result<(Vec<Timed>, Tally), String> {
    let (world, clock) = (world.clone(), clock.clone());
    let rules = svc.orders().rules().clone();
    let credit_rules = svc.credit().rules().clone();
    svc.store()
        .write(move |tx| {
            let mut sim = Sim {
                tx,
                world: &world,
                clock: &clock,
                rng: StdRng::seed_from_u64(
                    seed ^ (day.num_days_from_ce() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                ),
                rules: &rules,
                credit_rules: &credit_rules,
                heap: BinaryHeap::new(),
                seq: 0,
                tally: Tally::default(),
                shop_of: world.shop_index(),
                first,
            };
            sim.plan_day(day, first, &carried);
            let end = day_start(day + Duration::days(1));
            while let Some(Reverse(t)) = sim.heap.peek().cloned() {
                if t.at >= end {
                    break;
                }
                sim.heap.pop();
                sim.clock.set(t.at);
                sim.handle(t.event, t.at)?;
            }
            crate::messaging::outbox::settle_simulated(tx, end)?;
            let later: Vec<Timed> = sim.heap.drain().map(|Reverse(t)| t).collect();
            Ok::<_, StoreError>((later, sim.tally))
        })
        .await
        .map_err(|e| format!("simulating {day}: {e}"))
}

struct Sim<'a, 't> {
    tx: &'a WriteTx<'t>,
    world: &'a World,
    clock: &'a ManualClock,
    rng: StdRng,
    rules: &'a crate::orders::Rules,
    credit_rules: &'a crate::credit::Rules,
    heap: BinaryHeap<Reverse<Timed>>,
    seq: u64,
    tally: Tally,
    shop_of: HashMap<u64, usize>,
    /// The simulation's first day.
    first: NaiveDate,
}

impl Sim<'_, '_> {
    fn schedule(&mut self, at: DateTime<Utc>, event: Event) {
        self.seq += 1;
        self.heap.push(Reverse(Timed {
            at,
            seq: self.seq,
            event,
        }));
    }

    fn minutes(&mut self, mean: f64) -> Duration {
        let u: f64 = self.rng.random_range(0.0001..1.0);
        Duration::minutes((-u.ln() * mean).clamp(1.0, 20.0 * mean) as i64)
    }

    /// The day's own events: the market at 06:00, each shop's orders between 07:00 and 19:00.
    fn plan_day(&mut self, day: NaiveDate, first: NaiveDate, carried: &[Timed]) {
        for t in carried {
            self.schedule(t.at, t.event.clone());
        }
        let start = day_start(day);
        self.schedule(start + Duration::hours(6), Event::Market);
        let offset = (day - first).num_days();
        let season = super::world::season(day);
        for (i, shop) in self.world.shops.iter().enumerate() {
            if offset < shop.joins || shop.stops.is_some_and(|s| offset >= s) {
                continue;
            }
            let expected = season * self.world.scale / shop.gap_days;
            let mut n = expected.floor() as u32;
            if self.rng.random_bool(expected.fract().clamp(0.0, 1.0)) {
                n += 1;
            }
            for _ in 0..n {
                let at = start + Duration::minutes(self.rng.random_range(7 * 60..19 * 60));
                self.schedule(at, Event::Place(i));
            }
        }
    }

    fn handle(&mut self, event: Event, at: DateTime<Utc>) -> Result<(), StoreError> {
        match event {
            Event::Place(i) => self.place(i, at),
            Event::Vendor(id, action) => self.vendor_move(id, action, at),
            Event::Withdraw(id) => {
                let Some(o) = crate::orders::store::get(self.tx, id)? else {
                    return Ok(());
                };
                let acting = Acting::Party(Party::Retailer(o.retailer_id));
                let req = MoveRequest::new(Action::Cancel, "ordered by mistake");
                self.moved(&acting, id, &req, at)?;
                Ok(())
            }
            Event::Pay(id) => self.pay(id, at),
            Event::Market => self.market(at),
        }
    }

    fn place(&mut self, i: usize, at: DateTime<Utc>) -> Result<(), StoreError> {
        let shop = &self.world.shops[i];
        let mut lines: Vec<LineRequest> = Vec::new();
        let want = 3.min(shop.basket.len());
        while lines.len() < want {
            let (p, q) = shop.basket[self.rng.random_range(0..shop.basket.len())];
            if !lines.iter().any(|l| l.product == ProductRef::Id(p)) {
                lines.push(LineRequest {
                    product: ProductRef::Id(p),
                    quantity: q,
                });
            }
        }
        let req = NewOrder {
            retailer_id: shop.id,
            lines,
            idempotency_key: None,
            source: OrderSource::Whatsapp,
        };
        let acting = Acting::Party(Party::Retailer(shop.id));
        let placed = self
            .tx
            .attempt(|tx| place(tx, &acting, &req, None, self.rules, at));
        match placed {
            Ok(p) => {
                for o in p.orders {
                    self.tally.placed += 1;
                    self.respond(o.id, o.vendor_id, at);
                }
            }
            Err(_) => self.tally.refused += 1,
        }
        Ok(())
    }

    /// What the vendor (or the shop) does next with a new or re-routed order.
    fn respond(&mut self, order: u64, vendor: u64, at: DateTime<Utc>) {
        let Some(s) = self.world.suppliers.get(&vendor).copied() else {
            return;
        };
        let roll: f64 = self.rng.random_range(0.0..1.0);
        let wait = self.minutes(s.accept_minutes);
        let limit = self.rules.accept_within - Duration::minutes(1);
        let wait = wait.min(limit).max(Duration::minutes(1));
        if roll < 0.02 {
            self.schedule(at + wait / 2, Event::Withdraw(order));
        } else if roll < 0.02 + s.reject_rate {
            self.schedule(at + wait, Event::Vendor(order, Action::Reject));
        } else {
            self.schedule(at + wait, Event::Vendor(order, Action::Accept));
        }
    }

    fn moved(
        &mut self,
        acting: &Acting,
        id: u64,
        req: &MoveRequest,
        at: DateTime<Utc>,
    ) -> Result<Option<crate::orders::MoveOutcome>, StoreError> {
        let ctx = Context {
            rules: self.rules,
            credit_rules: self.credit_rules,
            now: at,
        };
        match self.tx.attempt(|tx| act(tx, acting, id, req, &ctx)) {
            Ok(out) => Ok(Some(out)),
            Err(crate::orders::OrderError::Store(e)) => Err(e),
            Err(_) => {
                self.tally.skipped += 1;
                Ok(None)
            }
        }
    }

    fn vendor_move(
        &mut self,
        id: u64,
        action: Action,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(o) = crate::orders::store::get(self.tx, id)? else {
            return Ok(());
        };
        let vendor = o.vendor_id;
        let acting = Acting::Party(Party::Vendor(vendor));
        let note = if action == Action::Reject {
            "out of stock"
        } else {
            ""
        };
        let Some(out) = self.moved(&acting, id, &MoveRequest::new(action, note), at)? else {
            return Ok(());
        };
        let hours = self
            .world
            .suppliers
            .get(&vendor)
            .map_or(24.0, |s| s.deliver_hours);
        match action {
            Action::Accept => {
                self.tally.accepted += 1;
                let next = at + self.minutes(90.0);
                self.schedule(next, Event::Vendor(id, Action::Pack));
            }
            Action::Pack => {
                let next = at + self.minutes(240.0);
                self.schedule(next, Event::Vendor(id, Action::Dispatch));
            }
            Action::Dispatch => {
                let next = at + self.minutes(hours * 60.0);
                self.schedule(next, Event::Vendor(id, Action::Deliver));
            }
            Action::Deliver => {
                self.tally.delivered += 1;
                self.plan_payment(&out.order, at);
            }
            Action::Reject => {
                self.tally.rejected += 1;
                if out.order.state == OrderState::Placed {
                    self.respond(id, out.order.vendor_id, at);
                }
                for split in out.split_into {
                    if let Some(o) = crate::orders::store::get(self.tx, split)? {
                        self.respond(split, o.vendor_id, at);
                    }
                }
                if out.order.state == OrderState::Cancelled {
                    self.tally.cancelled += 1;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// When the shop pays, by its habit; a very late payer leaves some invoices unpaid.
    fn plan_payment(&mut self, order: &crate::orders::Order, at: DateTime<Utc>) {
        let Some(i) = self.shop_of.get(&order.retailer_id).copied() else {
            return;
        };
        let Some(due) = order.due_date else {
            return;
        };
        let offset = (crate::support::clock::nepal_date(at) - self.first).num_days();
        let late = match self.world.shops[i].payer_on(offset) {
            Payer::Good => self.rng.random_range(-10..=2),
            Payer::Late => self.rng.random_range(10..=40),
            Payer::VeryLate if self.rng.random_bool(0.15) => return,
            Payer::VeryLate => self.rng.random_range(30..=90),
        };
        let day = due + Duration::days(late);
        let when = (day_start(day) + Duration::minutes(self.rng.random_range(9 * 60..17 * 60)))
            .max(at + Duration::hours(1));
        self.schedule(when, Event::Pay(order.id));
    }

    fn pay(&mut self, order_id: u64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(inv) = self.tx.open(tables::INVOICES)?.get(order_id)? else {
            return Ok(());
        };
        // The shop pays this invoice's amount; payments are allocated oldest-due first, so
        // an earlier payment may already have covered this invoice and left an older one
        // open: what is paid is what this invoice came to, never more than is owed.
        let owed = crate::ledger::account_by_key(
            self.tx,
            crate::ledger::AccountKind::RetailerReceivable,
            inv.retailer_id,
        )?
        .map_or(0, |a| a.debit_balance());
        let amount = inv.amount_paisa.min(owed);
        if amount <= 0 {
            return Ok(());
        }
        let methods = [
            Method::Cash,
            Method::Esewa,
            Method::BankTransfer,
            Method::Fonepay,
        ];
        let input = PaymentInput {
            retailer_id: inv.retailer_id,
            amount_paisa: amount,
            method: methods[self.rng.random_range(0..methods.len())],
            reference: format!("SIM-{order_id}"),
        };
        let paid = self
            .tx
            .attempt(|tx| crate::credit::payments::record(tx, &input, "simulator", at));
        match paid {
            Ok((_, false)) => {
                self.tally.payments += 1;
                crate::credit::refresh(self.tx, inv.retailer_id, self.credit_rules, at)?;
            }
            Ok(_) => {}
            Err(crate::credit::payments::PaymentError::Store(e)) => return Err(e),
            Err(_) => self.tally.skipped += 1,
        }
        Ok(())
    }

    /// Vendors restock what runs low and now and then change a price (rarely sharply).
    fn market(&mut self, at: DateTime<Utc>) -> Result<(), StoreError> {
        let listings: Vec<crate::catalog::Listing> = self
            .tx
            .open(tables::LISTINGS)?
            .iter()?
            .map(|e| e.map(|(_, l)| l))
            .collect::<Result<_, _>>()?;
        for l in listings.into_iter().filter(|l| l.active) {
            let mut patch = ListingPatch::default();
            if l.stock < 60 {
                patch.stock = Some(self.rng.random_range(300..900));
                self.tally.restocks += 1;
            }
            let roll: f64 = self.rng.random_range(0.0..1.0);
            let factor = if roll < 0.0008 {
                self.tally.sharp_price_changes += 1;
                if self.rng.random_bool(0.5) {
                    1.45
                } else {
                    0.65
                }
            } else if roll < 0.012 {
                self.tally.price_changes += 1;
                1.0 + self.rng.random_range(-0.05..0.05)
            } else {
                1.0
            };
            if factor != 1.0 {
                let price = ((l.price_paisa as f64 * factor).round() as i64).max(100);
                patch.price_paisa = Some(price);
                patch.mrp_paisa = Some(l.mrp_paisa.max(price));
            }
            if patch.stock.is_none() && patch.price_paisa.is_none() {
                continue;
            }
            let acting = Acting::Party(Party::Vendor(l.vendor_id));
            match self
                .tx
                .attempt(|tx| change_listing(tx, &acting, l.id, &patch, at))
            {
                Ok(_) => {}
                Err(crate::catalog::CatalogError::Store(e)) => return Err(e),
                Err(_) => self.tally.skipped += 1,
            }
        }
        Ok(())
    }
}
