//! Every table in the database, declared once: name, key type and value type.
//!
//! Keys are native redb types so range scans sort right (ids are u64, composite index keys are
//! tuples); values go through the one codec. A table's name never changes once shipped: a new
//! layout gets a new name and a migration in `storage::schema`.

use super::StoreError;
use super::postings::Chunk;
use super::typed::{OwnedKey, Table};
use crate::analytics::Fact;
use crate::analytics::demand::StoredForecast;
use crate::analytics::facts::DayActive;
use crate::analytics::recommend::Recommendation;
use crate::analytics::shops::{Insights, Nudge};
use crate::analytics::stock::StockInsight;
use crate::audit::AuditEntry;
use crate::auth::{RefreshToken, Session, User};
use crate::catalog::{Listing, Product, StockMove, Vendor};
use crate::credit::Invoice;
use crate::credit::alerts::Alert;
use crate::credit::payments::Payment;
use crate::credit::score::Score;
use crate::ledger::{Account, Transfer};
use crate::messaging::delivery::Delivery;
use crate::messaging::outbox::Message;
use crate::orders::create_types::IdempotencyRecord;
use crate::orders::route::{StoredDecision, VendorRecord};
use crate::orders::{Order, OrderEvent};
use crate::retailers::Retailer;
use crate::whatsapp::{Conversation, InboundRecord};

macro_rules! tables {
    ($( $(#[$doc:meta])* $name:ident : $k:ty => $v:ty = $label:literal; )*) => {
        /// Each table's place in [`ALL`].
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        enum Slot { $($name),* }

        $( $(#[$doc])* pub const $name: Table<$k, $v> = Table::new($label, Slot::$name as usize); )*

        /// The names of every table, in declaration order.
        pub const ALL: &[&str] = &[$($label),*];

        /// Every declared table's name and place, in declaration order.
        #[cfg(test)]
        fn declared() -> Vec<(&'static str, usize)> {
            vec![$(($name.name(), $name.slot())),*]
        }

        /// Creates every table that does not exist yet, so readers can always open them.
        pub(crate) fn create_all(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
            $( tx.open_table($name.def())?; )*
            Ok(())
        }

        /// Copies every table from a snapshot into another database, committing whenever
        /// `dst` has taken its share of bytes (see [`Copier`]).
        pub(crate) fn copy_all(
            src: &redb::ReadTransaction,
            dst: &mut Copier<'_>,
        ) -> Result<u64, StoreError> {
            let mut rows = 0;
            $( rows += copy_table(src, dst, $name)?; )*
            Ok(rows)
        }

        /// Hands every stored value of every table, as stored (format byte first), to `f`
        /// with its table's name: for measuring the codec on real data (`benches/codec.rs`).
        pub fn each_value(
            src: &redb::ReadTransaction,
            f: &mut dyn FnMut(&'static str, &[u8]),
        ) -> Result<(), StoreError> {
            $( each_value_of(src, $name, $label, f)?; )*
            Ok(())
        }

        /// Decodes every value of every table; returns the problems found.
        pub(crate) fn decode_all(src: &super::ReadTx) -> Result<Vec<String>, StoreError> {
            let mut problems = Vec::new();
            $( problems.extend(decode_table(src, $name, $label)?); )*
            Ok(problems)
        }
    };
}

/// A database being filled by a copy, a durable commit at a time: each commit carries at most
/// about `commit_bytes` of values, so the pages waiting for the disk stay bounded. One commit
/// of a whole large database would leave gigabytes for a single fsync, and every commit of
/// the live database (on the same disk) would wait behind it.
pub(crate) struct Copier<'d> {
    db: &'d redb::Database,
    tx: Option<redb::WriteTransaction>,
    bytes: usize,
    commit_bytes: usize,
    pub commits: u64,
}

impl<'d> Copier<'d> {
    pub(crate) fn new(db: &'d redb::Database, commit_bytes: usize) -> Self {
        Self {
            db,
            tx: None,
            bytes: 0,
            commit_bytes,
            commits: 0,
        }
    }

    /// The open transaction (a new one, durable, when none is open).
    pub(crate) fn tx(&mut self) -> Result<&redb::WriteTransaction, StoreError> {
        let tx = match self.tx.take() {
            Some(tx) => tx,
            None => {
                let mut tx = self.db.begin_write()?;
                tx.set_durability(redb::Durability::Immediate)
                    .map_err(|e| StoreError::Writer(e.to_string()))?;
                tx
            }
        };
        Ok(self.tx.insert(tx))
    }

    /// Commits what was copied so far.
    pub(crate) fn commit(&mut self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx.take() {
            tx.commit()?;
            self.commits += 1;
        }
        self.bytes = 0;
        Ok(())
    }
}

fn copy_table<K: OwnedKey, V>(
    src: &redb::ReadTransaction,
    dst: &mut Copier<'_>,
    table: Table<K, V>,
) -> Result<u64, StoreError> {
    let from = src.open_table(table.def())?;
    let mut range = from.range::<K::SelfType<'_>>(..)?;
    let mut rows = 0;
    loop {
        let (limit, mut bytes) = (dst.commit_bytes, dst.bytes);
        let mut full = false;
        {
            let mut to = dst.tx()?.open_table(table.def())?;
            for entry in range.by_ref() {
                let (k, v) = entry?;
                to.insert(k.value(), v.value())?;
                rows += 1;
                bytes += v.value().len() + K::as_bytes(&k.value()).as_ref().len();
                if bytes >= limit {
                    full = true;
                    break;
                }
            }
        }
        dst.bytes = bytes;
        if !full {
            return Ok(rows);
        }
        dst.commit()?;
    }
}

fn each_value_of<K: OwnedKey, V>(
    src: &redb::ReadTransaction,
    table: Table<K, V>,
    label: &'static str,
    f: &mut dyn FnMut(&'static str, &[u8]),
) -> Result<(), StoreError> {
    let view = match src.open_table(table.def()) {
        Ok(v) => v,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for entry in view.range::<K::SelfType<'_>>(..)? {
        f(label, entry?.1.value());
    }
    Ok(())
}

fn decode_table<K: OwnedKey, V: serde::de::DeserializeOwned + 'static>(
    src: &super::ReadTx,
    table: Table<K, V>,
    label: &str,
) -> Result<Vec<String>, StoreError> {
    use super::typed::{TableRead, Tx};
    let view = src.open(table)?;
    let mut problems = Vec::new();
    for (i, entry) in view.iter()?.enumerate() {
        if let Err(e) = entry {
            problems.push(format!("table {label}, row {i}: {e}"));
        }
    }
    Ok(problems)
}

tables! {
    /// Schema version and other small facts about the file.
    META: &'static str => u64 = "meta";
    /// Id counters, one per entity kind.
    COUNTERS: &'static str => u64 = "counters";
    /// A nightly repack pass ("orders@3": the orders table, 3 days on; "credit_scores@whole")
    /// → how far it got (`storage::repack`).
    REPACK_MARKS: &'static str => crate::storage::repack::Progress = "repack_marks";

    USERS: u64 => User = "users";
    /// E.164 phone → user id.
    USERS_BY_PHONE: &'static str => u64 = "users_by_phone";
    /// A login session (one refresh-token family).
    SESSIONS: u64 => Session = "sessions";
    /// (user id, session id) → session id, to end every session of a user.
    SESSIONS_BY_USER: (u64, u64) => u64 = "sessions_by_user";
    /// SHA-256 (hex) of a refresh token → its record; the token itself is never stored.
    REFRESH_TOKENS: &'static str => RefreshToken = "refresh_tokens";
    AUDIT_LOG: u64 => AuditEntry = "audit_log";
    /// User id → since when (ms): a login that must change its password before anything else
    /// (the first admin, whose password was printed on the console).
    PASSWORD_CHANGE_REQUIRED: u64 => i64 = "password_change_required";
    /// "vendor:<id>" / "retailer:<id>" → when it was deactivated: logins linked to a
    /// deactivated party act on nothing. Kept by the vendor and retailer doors in the same
    /// transaction as the record's own `active`.
    INACTIVE_PARTIES: &'static str => i64 = "inactive_parties";

    PRODUCTS: u64 => Product = "products";
    /// Upper-case sku → product id.
    PRODUCTS_BY_SKU: &'static str => u64 = "products_by_sku";
    VENDORS: u64 => Vendor = "vendors";
    VENDORS_BY_PHONE: &'static str => u64 = "vendors_by_phone";
    LISTINGS: u64 => Listing = "listings";
    /// (vendor id, product id) → listing id.
    LISTINGS_BY_VENDOR: (u64, u64) => u64 = "listings_by_vendor";
    /// (product id, vendor id) → listing id.
    LISTINGS_BY_PRODUCT: (u64, u64) => u64 = "listings_by_product";
    /// (listing id, when in ms) → the price it was set to then.
    PRICE_HISTORY: (u64, i64) => i64 = "price_history";
    /// Move id → a change of a listing's stock; a listing's moves sum to its stock. Kept in
    /// the order they happened, not per listing: an order's three moves then land on the
    /// table's last page instead of three pages anywhere in it.
    STOCK_MOVES: u64 => StockMove = "stock_move_log";

    LEDGER_ACCOUNTS: u64 => Account = "ledger_accounts";
    /// "kind:owner" → account id.
    LEDGER_ACCOUNT_KEYS: &'static str => u64 = "ledger_account_keys";
    LEDGER_TRANSFERS: u64 => Transfer = "ledger_transfers";
    /// Each account's transfers, for statements (`storage::postings`: (account id, first
    /// transfer id of the row) → the row's other ids).
    LEDGER_ACCOUNT_TRANSFERS: (u64, u64) => Chunk = "ledger_account_postings";
    /// Pending transfer id → the order it holds credit for, while neither posted nor voided.
    LEDGER_OPEN_HOLDS: u64 => u64 = "ledger_open_holds";

    ORDERS: u64 => Order = "orders";
    /// Order number → order id.
    ORDER_NUMBERS: &'static str => u64 = "order_numbers";
    /// Each retailer's orders (`storage::postings`).
    ORDERS_BY_RETAILER: (u64, u64) => Chunk = "retailer_order_postings";
    /// Each vendor's orders (`storage::postings`).
    ORDERS_BY_VENDOR: (u64, u64) => Chunk = "vendor_order_postings";
    /// Order id → its state changes, oldest first, each with actor, time and note: one row an
    /// order, so its history is packed together.
    ORDER_HISTORY: u64 => Vec<OrderEvent> = "order_history";
    /// (order id, sequence) → a routing decision with every candidate's scores, newest last.
    ROUTING_DECISIONS: (u64, u64) => StoredDecision = "routing_decisions";
    /// Vendor id → its order history and open orders, kept from order events for routing.
    VENDOR_STATS: u64 => VendorRecord = "vendor_stats";
    /// (deadline in ms, order id) → order id, for orders waiting for their vendor to accept.
    ORDER_DEADLINES: (i64, u64) => u64 = "order_deadlines";
    /// The first order a keyed request created → the request's key
    /// ("order:<retailer>:<Idempotency-Key>") and every order it created. Kept in the order
    /// the requests came, found by key through the store's index (`storage::keyed`).
    IDEMPOTENCY: u64 => IdempotencyRecord = "idempotency_log";

    /// Order id → the invoice raised when it was delivered.
    INVOICES: u64 => Invoice = "invoices";
    /// (retailer id, order id) → order id, while the invoice has something left to pay.
    OPEN_INVOICES: (u64, u64) => u64 = "open_invoices";
    PAYMENTS: u64 => Payment = "payments";
    /// "method:reference" → payment id: one payment per external reference.
    PAYMENT_REFS: &'static str => u64 = "payment_refs";
    /// Each retailer's payments (`storage::postings`).
    PAYMENTS_BY_RETAILER: (u64, u64) => Chunk = "retailer_payment_postings";
    /// (retailer id, payment id) → payment id, while part of the payment is unallocated.
    UNALLOCATED_PAYMENTS: (u64, u64) => u64 = "unallocated_payments";
    /// (retailer id, sequence) → a credit score, newest last.
    CREDIT_SCORES: (u64, u64) => Score = "credit_scores";
    ALERTS: u64 => Alert = "alerts";
    /// "kind|subject" → the open alert about it.
    OPEN_ALERTS: &'static str => u64 = "open_alerts";

    /// Every WhatsApp message in and out.
    MESSAGES: u64 => Message = "messages";
    /// What became of a message after it was logged (`messaging::delivery`); none until it
    /// changed.
    MESSAGE_STATES: u64 => Delivery = "message_states";
    /// Each phone's messages (`storage::postings`; the phone as `Msisdn::as_u64`).
    MESSAGES_BY_PHONE: (u64, u64) => Chunk = "phone_message_postings";
    /// (due time in ms, message id) → message id: messages tried before and due again (a
    /// retry, a dead letter put back), each with a state row; a first attempt is found past
    /// the sender's watermark instead (`messaging::queue`).
    OUTBOX_DUE: (i64, u64) => u64 = "outbox_due";
    /// "channel:provider message id" → message id, for delivery reports.
    PROVIDER_MESSAGE_IDS: &'static str => u64 = "provider_message_ids";
    /// "channel:provider message id" of every inbound message handled, with the reply it got:
    /// a redelivery changes nothing and gets the same answer.
    INBOUND_SEEN: &'static str => InboundRecord = "inbound_seen";
    /// Phone → the WhatsApp conversation's state (pending preview, language, last channel).
    CONVERSATIONS: &'static str => Conversation = "conversations";

    RETAILERS: u64 => Retailer = "retailers";
    RETAILERS_BY_PHONE: &'static str => u64 = "retailers_by_phone";

    /// "YYYY-MM-DD|dimension" → what happened that Nepal day (see `analytics::facts`).
    DAILY_FACTS: &'static str => Fact = "daily_facts";
    /// "YYYY-MM-DD" → the shops and vendors active that Nepal day, and the shops new that day.
    DAILY_ACTIVE: &'static str => DayActive = "daily_active";
    /// (Nepal date, retailer id) → WhatsApp previews the shop started that day.
    PREVIEWS_STARTED: (&'static str, u64) => u32 = "previews_started";
    /// Retailer id → its insights as of the last nightly run (the reorder-due list reads them).
    RETAILER_INSIGHTS: u64 => Insights = "retailer_insights";
    /// Retailer id → whether it wants reorder nudges, and when it last got one.
    NUDGES: u64 => Nudge = "nudges";
    /// Listing id → its inventory figures as of the last nightly run.
    INVENTORY: u64 => StockInsight = "inventory";
    /// "product:ID" / "listing:ID" → its demand forecast as of the last nightly run.
    FORECASTS: &'static str => StoredForecast = "forecasts";
    RECOMMENDATIONS: u64 => Recommendation = "recommendations";
    /// "kind|subject" → the latest recommendation of that kind about that subject.
    RECOMMENDATION_KEYS: &'static str => u64 = "recommendation_keys";
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_table_is_kept_in_its_own_place_in_a_transaction() {
        let declared = super::declared();
        assert_eq!(declared.len(), super::ALL.len());
        for (i, (name, slot)) in declared.into_iter().enumerate() {
            assert_eq!((name, slot), (super::ALL[i], i));
        }
    }
}
