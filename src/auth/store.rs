//! Reads and writes of the auth tables, inside the caller's transaction.
//!
//! Every writer checks first and writes after, so a refusal leaves nothing behind.

use chrono::{DateTime, Utc};

use super::{AuthError, Party, RefreshToken, Session, User};
use crate::storage::{StoreError, TableRead, Tx, WriteTx, next_id, tables};
use crate::types::{Msisdn, Role};

pub fn user(tx: &impl Tx, id: u64) -> Result<Option<User>, StoreError> {
    tx.open(tables::USERS)?.get(id)
}

pub fn user_by_phone(tx: &impl Tx, phone: &Msisdn) -> Result<Option<User>, StoreError> {
    match tx.open(tables::USERS_BY_PHONE)?.get(phone.as_str())? {
        Some(id) => user(tx, id),
        None => Ok(None),
    }
}

/// Whether any active admin exists.
pub fn has_admin(tx: &impl Tx) -> Result<bool, StoreError> {
    for entry in tx.open(tables::USERS)?.iter()? {
        let (_, u) = entry?;
        if u.role == Role::Admin && u.active {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The vendor or retailer record with this phone, for a user of that role.
pub fn party_for(tx: &impl Tx, role: Role, phone: &Msisdn) -> Result<Option<Party>, StoreError> {
    Ok(match role {
        Role::Vendor => tx
            .open(tables::VENDORS_BY_PHONE)?
            .get(phone.as_str())?
            .map(Party::Vendor),
        Role::Retailer => tx
            .open(tables::RETAILERS_BY_PHONE)?
            .get(phone.as_str())?
            .map(Party::Retailer),
        Role::Admin | Role::Operator => None,
    })
}

/// Links an existing unlinked user of `role` with this phone to a new party record.
pub fn link_party(tx: &WriteTx, phone: &Msisdn, party: Party) -> Result<(), StoreError> {
    let role = match party {
        Party::Vendor(_) => Role::Vendor,
        Party::Retailer(_) => Role::Retailer,
    };
    let Some(mut u) = user_by_phone(tx, phone)? else {
        return Ok(());
    };
    if u.role == role && u.party.is_none() {
        u.party = Some(party);
        tx.open(tables::USERS)?.put(u.id, &u)?;
    }
    Ok(())
}

/// Whether the user must change its password before doing anything else.
pub fn must_change_password(tx: &impl Tx, user_id: u64) -> Result<bool, StoreError> {
    Ok(tx
        .open(tables::PASSWORD_CHANGE_REQUIRED)?
        .get(user_id)?
        .is_some())
}

pub fn set_must_change_password(
    tx: &WriteTx,
    user_id: u64,
    required: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut t = tx.open(tables::PASSWORD_CHANGE_REQUIRED)?;
    if required {
        t.put(user_id, &now.timestamp_millis())
    } else {
        t.remove(user_id).map(|_| ())
    }
}

fn party_key(p: Party) -> String {
    match p {
        Party::Vendor(id) => format!("vendor:{id}"),
        Party::Retailer(id) => format!("retailer:{id}"),
    }
}

/// Whether a vendor or shop may act (it has not been deactivated).
pub fn party_active(tx: &impl Tx, p: Party) -> Result<bool, StoreError> {
    Ok(tx
        .open(tables::INACTIVE_PARTIES)?
        .get(party_key(p).as_str())?
        .is_none())
}

/// Records that a vendor or shop was deactivated or turned back on; called by the door that
/// changes the record's own `active`, in the same transaction.
pub fn set_party_active(
    tx: &WriteTx,
    p: Party,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut t = tx.open(tables::INACTIVE_PARTIES)?;
    let key = party_key(p);
    if active {
        t.remove(key.as_str())?;
    } else if t.get(key.as_str())?.is_none() {
        t.put(key.as_str(), &now.timestamp_millis())?;
    }
    Ok(())
}

/// A vendor's or shop's phone changed: the logins linked to it (through the old phone) lose
/// the link and every session at once, and a login already registered at the new phone, of
/// the right role and unlinked, is linked instead. Returns the users unlinked.
pub fn relink_party(
    tx: &WriteTx,
    p: Party,
    new_phone: &Msisdn,
    now: DateTime<Utc>,
) -> Result<Vec<u64>, StoreError> {
    let linked: Vec<User> = tx
        .open(tables::USERS)?
        .iter()?
        .filter_map(|e| match e {
            Ok((_, u)) if u.party == Some(p) => Some(Ok(u)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    let mut unlinked = Vec::new();
    for mut u in linked.into_iter().filter(|u| u.phone != *new_phone) {
        u.party = None;
        u.updated_at = now;
        save_user(tx, &u)?;
        revoke_user_sessions(tx, u.id, None, now, "the linked phone number changed")?;
        unlinked.push(u.id);
    }
    link_party(tx, new_phone, p)?;
    Ok(unlinked)
}

/// Inserts a new user; refuses a phone that is taken.
pub fn insert_user(tx: &WriteTx, mut u: User) -> Result<User, AuthError> {
    if tx
        .open(tables::USERS_BY_PHONE)?
        .get(u.phone.as_str())?
        .is_some()
    {
        return Err(AuthError::PhoneTaken(u.phone.to_string()));
    }
    u.id = next_id(tx, "user")?;
    u.party = party_for(tx, u.role, &u.phone)?;
    tx.open(tables::USERS_BY_PHONE)?
        .put(u.phone.as_str(), &u.id)?;
    tx.open(tables::USERS)?.put(u.id, &u)?;
    Ok(u)
}

pub fn save_user(tx: &WriteTx, u: &User) -> Result<(), StoreError> {
    tx.open(tables::USERS)?.put(u.id, u)
}

pub fn session(tx: &impl Tx, id: u64) -> Result<Option<Session>, StoreError> {
    tx.open(tables::SESSIONS)?.get(id)
}

pub fn start_session(
    tx: &WriteTx,
    user_id: u64,
    now: DateTime<Utc>,
) -> Result<Session, StoreError> {
    let s = Session {
        id: next_id(tx, "session")?,
        user_id,
        created_at: now,
        revoked_at: None,
        revoked_because: None,
    };
    tx.open(tables::SESSIONS)?.put(s.id, &s)?;
    tx.open(tables::SESSIONS_BY_USER)?
        .put((user_id, s.id), &s.id)?;
    Ok(s)
}

pub fn revoke_session(
    tx: &WriteTx,
    id: u64,
    now: DateTime<Utc>,
    because: &str,
) -> Result<(), StoreError> {
    let mut sessions = tx.open(tables::SESSIONS)?;
    if let Some(mut s) = sessions.get(id)?
        && s.revoked_at.is_none()
    {
        s.revoked_at = Some(now);
        s.revoked_because = Some(because.to_string());
        sessions.put(id, &s)?;
    }
    Ok(())
}

/// Ends every session of a user except `keep`.
pub fn revoke_user_sessions(
    tx: &WriteTx,
    user_id: u64,
    keep: Option<u64>,
    now: DateTime<Utc>,
    because: &str,
) -> Result<(), StoreError> {
    let ids: Vec<u64> = tx
        .open(tables::SESSIONS_BY_USER)?
        .range((user_id, 0)..=(user_id, u64::MAX))?
        .map(|e| e.map(|(_, id)| id))
        .collect::<Result<_, _>>()?;
    for id in ids.into_iter().filter(|id| Some(*id) != keep) {
        revoke_session(tx, id, now, because)?;
    }
    Ok(())
}

pub fn refresh_token(tx: &impl Tx, digest: &str) -> Result<Option<RefreshToken>, StoreError> {
    tx.open(tables::REFRESH_TOKENS)?.get(digest)
}

pub fn put_refresh_token(tx: &WriteTx, digest: &str, t: &RefreshToken) -> Result<(), StoreError> {
    tx.open(tables::REFRESH_TOKENS)?.put(digest, t)
}

/// Users, newest first, optionally of one role.
pub fn list(
    tx: &impl Tx,
    cursor: Option<u64>,
    limit: usize,
    role: Option<Role>,
) -> Result<crate::support::page::Page<User>, StoreError> {
    let view = tx.open(tables::USERS)?;
    crate::support::page::newest_first(&view, cursor, limit, |u: &User| {
        role.is_none_or(|r| u.role == r)
    })
}
