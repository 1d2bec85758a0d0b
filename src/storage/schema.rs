//! Schema versions and the migrations between them. Each step rewrites what an older binary
//! wrote, in the same write transaction that records the new version, so a file is either all
//! old or all new; a file written by a newer binary is refused before anything is touched.
//!
//! - 1 → 2: a conversation's pending preview changed shape (structured lines, in either
//!   language). Pending previews live ten minutes, so the step keeps every conversation's
//!   version, language, channel and last message time and drops its pending preview.
//! - 2 → 3: a retailer gained `active` (deactivated shops); every existing shop is active.
//! - 3 → 4: a user gained `language` (the console's); every existing user reads English.
//! - 4 → 5: large values may be stored LZ4-compressed (codec format 2). Nothing is rewritten;
//!   the version only makes an older binary refuse the file instead of failing on a value.
//! - 5 → 6: stock moves are kept in the order they happened instead of per listing
//!   (`schema_v6`).
//! - 6 → 7: values may be stored zstd-compressed against the built-in dictionary (codec
//!   format 3). Nothing is rewritten, as for 5.
//! - 7 → 8: an account's transfers, a retailer's orders and payments and a vendor's orders are
//!   indexed as postings, many ids to a row; an order's history is one row (`schema_v8`).
//! - 8 → 9: order requests' `Idempotency-Key` records are kept in the order they came, found
//!   by key through an index in memory (`schema_v9`). Per-owner postings may hold a tail row
//!   (`postings::TAIL`), which an older binary would read as another owner's list; nothing
//!   is rewritten for it.
//! - 9 → 10: the sender finds first attempts past a watermark instead of in `outbox_due`
//!   (`schema_v10`).

use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};
use serde::Deserialize;

use super::{StoreError, codec, tables};
use crate::messaging::outbox::Channel;
use crate::retailers::{Language, Retailer};
use crate::whatsapp::Conversation;

/// The layout this binary reads and writes.
pub const SCHEMA_VERSION: u64 = 10;

/// Brings a file at `found` up to [`SCHEMA_VERSION`] inside `tx`.
pub(crate) fn migrate(tx: &WriteTransaction, found: u64) -> Result<(), StoreError> {
    if found < 2 {
        conversations_v2(tx)?;
    }
    if found < 3 {
        retailers_v3(tx)?;
    }
    if found < 4 {
        users_v4(tx)?;
    }
    if found < 6 {
        super::schema_v6::stock_move_log(tx)?;
    }
    if found < 8 {
        super::schema_v8::migrate(tx)?;
    }
    if found < 9 {
        super::schema_v9::idempotency_log(tx)?;
    }
    if found < 10 {
        super::schema_v10::outbox_watermark(tx)?;
    }
    Ok(())
}

/// A user as version 3 wrote it: every field of today's but `language`, in order.
#[derive(Deserialize)]
struct UserV3 {
    id: u64,
    phone: crate::types::Msisdn,
    email: Option<String>,
    name: String,
    role: crate::types::Role,
    party: Option<crate::auth::Party>,
    active: bool,
    password_hash: crate::auth::PasswordHash,
    #[serde(with = "super::ts")]
    created_at: DateTime<Utc>,
    #[serde(with = "super::ts")]
    updated_at: DateTime<Utc>,
}

fn users_v4(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = tx.open_table(tables::USERS.def())?;
    let mut rewritten: Vec<(u64, Vec<u8>)> = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let old: UserV3 = codec::decode(v.value())?;
        let u = crate::auth::User {
            id: old.id,
            phone: old.phone,
            email: old.email,
            name: old.name,
            role: old.role,
            party: old.party,
            active: old.active,
            password_hash: old.password_hash,
            created_at: old.created_at,
            updated_at: old.updated_at,
            language: Language::En,
        };
        rewritten.push((k.value(), codec::encode(&u)?));
    }
    for (k, v) in rewritten {
        table.insert(k, v.as_slice())?;
    }
    Ok(())
}

/// A retailer as version 2 wrote it: every field of today's but `active`, in order.
#[derive(Deserialize)]
struct RetailerV2 {
    id: u64,
    name: String,
    owner_name: String,
    phone: crate::types::Msisdn,
    district: String,
    province: String,
    credit_limit_paisa: i64,
    terms_days: u32,
    blocked: bool,
    language: Language,
    #[serde(with = "super::ts")]
    created_at: DateTime<Utc>,
}

fn retailers_v3(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = tx.open_table(tables::RETAILERS.def())?;
    let mut rewritten: Vec<(u64, Vec<u8>)> = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let old: RetailerV2 = codec::decode(v.value())?;
        let r = Retailer {
            id: old.id,
            name: old.name,
            owner_name: old.owner_name,
            phone: old.phone,
            district: old.district,
            province: old.province,
            credit_limit_paisa: old.credit_limit_paisa,
            terms_days: old.terms_days,
            blocked: old.blocked,
            language: old.language,
            created_at: old.created_at,
            active: true,
        };
        rewritten.push((k.value(), codec::encode(&r)?));
    }
    for (k, v) in rewritten {
        table.insert(k, v.as_slice())?;
    }
    Ok(())
}

/// The fields a version 1 conversation starts with (its pending preview follows).
#[derive(Deserialize)]
struct ConversationHead {
    version: u64,
    language: Option<Language>,
    last_channel: Option<Channel>,
    #[serde(with = "super::ts::opt")]
    last_inbound_at: Option<DateTime<Utc>>,
}

fn conversations_v2(tx: &WriteTransaction) -> Result<(), StoreError> {
    let mut table = tx.open_table(tables::CONVERSATIONS.def())?;
    let mut rewritten: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        let head: ConversationHead = codec::decode_prefix(v.value())?;
        let conv = Conversation {
            version: head.version + 1,
            language: head.language,
            last_channel: head.last_channel,
            last_inbound_at: head.last_inbound_at,
            pending: None,
        };
        rewritten.push((k.value().to_string(), codec::encode(&conv)?));
    }
    for (k, v) in rewritten {
        table.insert(k.as_str(), v.as_slice())?;
    }
    Ok(())
}

/// A database file at an old schema `version`, with the rows `fill` writes (for the
/// migrations' tests).
#[cfg(test)]
pub(super) fn old_file(
    path: &std::path::Path,
    version: u64,
    fill: impl FnOnce(&redb::WriteTransaction),
) {
    let db = redb::Database::create(path).unwrap();
    let tx = db.begin_write().unwrap();
    tables::create_all(&tx).unwrap();
    {
        let mut meta = tx.open_table(tables::META.def()).unwrap();
        meta.insert(
            super::SCHEMA_KEY,
            codec::encode(&version).unwrap().as_slice(),
        )
        .unwrap();
    }
    fill(&tx);
    tx.commit().unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{SCHEMA_KEY, Store, TableRead, Tx};
    use chrono::TimeZone;
    use serde::Serialize;

    /// A conversation as version 1 wrote it: the same head, then a pending preview of the old
    /// shape (here any trailing value).
    #[derive(Serialize)]
    struct OldConversation {
        version: u64,
        language: Option<Language>,
        last_channel: Option<Channel>,
        #[serde(with = "crate::storage::ts::opt")]
        last_inbound_at: Option<DateTime<Utc>>,
        pending: Option<(Vec<String>, i64)>,
    }

    #[tokio::test]
    async fn a_version_1_file_opens_with_its_conversations_kept_and_old_previews_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        old_file(&path, 1, |tx| {
            let mut conv = tx.open_table(tables::CONVERSATIONS.def()).unwrap();
            let old = OldConversation {
                version: 7,
                language: Some(Language::Ne),
                last_channel: Some(Channel::Twilio),
                last_inbound_at: Some(at),
                pending: Some((vec!["chamal 2 bora".into()], 42)),
            };
            conv.insert("+9779802000001", codec::encode(&old).unwrap().as_slice())
                .unwrap();
        });
        let opened = Store::open(&path).unwrap();
        let (conv, version) = opened
            .store
            .read(|tx| {
                let c = tx.open(tables::CONVERSATIONS)?.get("+9779802000001")?;
                let v = crate::storage::meta_get(tx, SCHEMA_KEY)?;
                Ok::<_, StoreError>((c, v))
            })
            .await
            .unwrap();
        let conv = conv.expect("conversation kept");
        assert_eq!(version, Some(SCHEMA_VERSION));
        assert_eq!(conv.language, Some(Language::Ne));
        assert_eq!(conv.last_channel, Some(Channel::Twilio));
        assert_eq!(conv.last_inbound_at, Some(at));
        assert_eq!(conv.pending, None);
        assert!(
            conv.version > 7,
            "plans made before the upgrade are made again"
        );
    }

    /// A retailer as version 2 wrote it.
    #[derive(Serialize)]
    struct OldRetailer {
        id: u64,
        name: String,
        owner_name: String,
        phone: crate::types::Msisdn,
        district: String,
        province: String,
        credit_limit_paisa: i64,
        terms_days: u32,
        blocked: bool,
        language: Language,
        #[serde(with = "crate::storage::ts")]
        created_at: DateTime<Utc>,
    }

    #[tokio::test]
    async fn a_version_2_file_opens_with_every_shop_active() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        old_file(&path, 2, |tx| {
            let mut t = tx.open_table(tables::RETAILERS.def()).unwrap();
            let old = OldRetailer {
                id: 7,
                name: "Laxmi".into(),
                owner_name: "Laxmi Shrestha".into(),
                phone: crate::types::Msisdn::parse("+9779802000002").unwrap(),
                district: "Kathmandu".into(),
                province: "Bagmati".into(),
                credit_limit_paisa: 5_000_000,
                terms_days: 30,
                blocked: true,
                language: Language::En,
                created_at: at,
            };
            t.insert(7u64, codec::encode(&old).unwrap().as_slice())
                .unwrap();
        });
        let opened = Store::open(&path).unwrap();
        let r = opened
            .store
            .read(|tx| tx.open(tables::RETAILERS)?.get(7))
            .await
            .unwrap()
            .expect("retailer kept");
        assert!(r.active && r.blocked);
        assert_eq!(
            (r.name.as_str(), r.credit_limit_paisa, r.created_at),
            ("Laxmi", 5_000_000, at)
        );
    }

    /// A user as version 3 wrote it.
    #[derive(Serialize)]
    struct OldUser {
        id: u64,
        phone: crate::types::Msisdn,
        email: Option<String>,
        name: String,
        role: crate::types::Role,
        party: Option<crate::auth::Party>,
        active: bool,
        password_hash: crate::auth::PasswordHash,
        #[serde(with = "crate::storage::ts")]
        created_at: DateTime<Utc>,
        #[serde(with = "crate::storage::ts")]
        updated_at: DateTime<Utc>,
    }

    #[tokio::test]
    async fn a_version_3_file_opens_with_every_user_reading_english() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("khaacho.redb");
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        old_file(&path, 3, |tx| {
            let mut t = tx.open_table(tables::USERS.def()).unwrap();
            let old = OldUser {
                id: 3,
                phone: crate::types::Msisdn::parse("+9779802000003").unwrap(),
                email: Some("ops@example.com".into()),
                name: "Sita".into(),
                role: crate::types::Role::Operator,
                party: None,
                active: true,
                password_hash: crate::auth::PasswordHash("$argon2id$v=19$x".into()),
                created_at: at,
                updated_at: at,
            };
            t.insert(3u64, codec::encode(&old).unwrap().as_slice())
                .unwrap();
        });
        let opened = Store::open(&path).unwrap();
        let u = opened
            .store
            .read(|tx| tx.open(tables::USERS)?.get(3))
            .await
            .unwrap()
            .expect("user kept");
        assert_eq!(u.language, Language::En);
        assert_eq!(
            (u.name.as_str(), u.role, u.updated_at),
            ("Sita", crate::types::Role::Operator, at)
        );
        assert_eq!(u.email.as_deref(), Some("ops@example.com"));
    }
}
