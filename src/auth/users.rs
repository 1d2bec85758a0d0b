//! User management: admins create and change accounts; nobody changes their own role or
//! deactivates themselves.

use chrono::{DateTime, Utc};

use super::service::{AuthService, NewUser, UserPatch};
use super::{AuthError, PasswordHash, Principal, User, password, store};
use crate::audit::{self, Actor};

fn validate_new(mut new: NewUser) -> Result<NewUser, AuthError> {
    new.name = checked_name(&new.name)?;
    new.email = match new.email.take() {
        Some(e) => Some(checked_email(&e)?),
        None => None,
    };
    password::check_policy(&new.password)?;
    Ok(new)
}

fn checked_name(name: &str) -> Result<String, AuthError> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(AuthError::invalid("name", "must be 1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(AuthError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.trim().to_string())
}

fn checked_email(email: &str) -> Result<String, AuthError> {
    let valid = email.chars().count() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(AuthError::invalid(
            "email",
            "is not an email address (e.g. ram@example.com)",
        ));
    }
    Ok(email.to_string())
}

fn user_record(new: &NewUser, hash: PasswordHash, now: DateTime<Utc>) -> User {
    User {
        id: 0,
        phone: new.phone.clone(),
        email: new.email.clone(),
        name: new.name.clone(),
        role: new.role,
        party: None,
        active: true,
        password_hash: hash,
        created_at: now,
        updated_at: now,
        language: crate::types::language::Language::En,
    }
}

/// Admins change anyone's account; everyone else only their own console language. Nobody
/// changes their own role or deactivates themselves (no self-made admins, no lockouts).
fn check_self_edit(who: &Principal, id: u64, patch: &UserPatch) -> Result<(), AuthError> {
    if who.role != crate::types::Role::Admin {
        let only_language = UserPatch {
            language: None,
            ..patch.clone()
        };
        if who.user_id != id || !only_language.is_empty() {
            return Err(AuthError::Forbidden(
                "only admins change accounts; you may change your own language".into(),
            ));
        }
    }
    if who.user_id != id {
        return Ok(());
    }
    if patch.role.is_some_and(|r| r != who.role) {
        return Err(AuthError::Forbidden(
            "you cannot change your own role".into(),
        ));
    }
    if patch.active == Some(false) {
        return Err(AuthError::Forbidden(
            "you cannot deactivate yourself".into(),
        ));
    }
    Ok(())
}

fn apply_patch(
    tx: &crate::storage::WriteTx,
    id: u64,
    patch: &UserPatch,
    hash: Option<PasswordHash>,
    now: DateTime<Utc>,
    actor: &Actor,
    keep: Option<u64>,
) -> Result<User, AuthError> {
    let mut u = store::user(tx, id)?.ok_or(AuthError::UserNotFound(id))?;
    let mut changed = Vec::new();
    if let Some(name) = &patch.name {
        u.name = checked_name(name)?;
        changed.push("name");
    }
    if let Some(email) = &patch.email {
        u.email = email.as_deref().map(checked_email).transpose()?;
        changed.push("email");
    }
    if let Some(role) = patch.role.filter(|r| *r != u.role) {
        u.role = role;
        u.party = store::party_for(tx, role, &u.phone)?;
        changed.push("role");
    }
    if let Some(active) = patch.active {
        u.active = active;
        changed.push(if active { "activated" } else { "deactivated" });
    }
    if let Some(h) = hash {
        u.password_hash = h;
        changed.push("password");
    }
    if let Some(language) = patch.language {
        u.language = language;
        changed.push("language");
    }
    u.updated_at = now;
    store::save_user(tx, &u)?;
    if patch.role.is_some() || patch.active == Some(false) || patch.password.is_some() {
        // An admin setting their own password keeps the session they do it from.
        store::revoke_user_sessions(tx, id, keep, now, "account changed by an admin")?;
    }
    audit::record(
        tx,
        now,
        actor,
        "user.update",
        format!("user:{id}"),
        changed.join(", "),
    )?;
    Ok(u)
}

impl AuthService {
    /// Creates a user (admin API, `create-user`, first start).
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, AuthError> {
        let new = validate_new(new)?;
        let pw = new.password.clone();
        let hash = self.argon(move || password::hash(&pw)).await??;
        let (now, actor) = (self.now(), actor.clone());
        self.store
            .write(move |tx| {
                let user = store::insert_user(tx, user_record(&new, hash.clone(), now))?;
                if new.must_change_password {
                    store::set_must_change_password(tx, user.id, true, now)?;
                }
                let details = format!("role {}", user.role);
                audit::record(
                    tx,
                    now,
                    &actor,
                    "user.create",
                    format!("user:{}", user.id),
                    details,
                )?;
                Ok(user)
            })
            .await
    }

    pub async fn update_user(
        &self,
        who: &Principal,
        id: u64,
        patch: UserPatch,
    ) -> Result<User, AuthError> {
        check_self_edit(who, id, &patch)?;
        let hash = match patch.password.clone() {
            Some(pw) => {
                password::check_policy(&pw)?;
                Some(self.argon(move || password::hash(&pw)).await??)
            }
            None => None,
        };
        let (now, actor) = (self.now(), who.actor());
        let keep = (who.user_id == id).then_some(who.session_id);
        self.store
            .write(move |tx| apply_patch(tx, id, &patch, hash.clone(), now, &actor, keep))
            .await
    }

    pub async fn get_user(&self, id: u64) -> Result<User, AuthError> {
        self.store
            .read(move |tx| store::user(tx, id))
            .await?
            .ok_or(AuthError::UserNotFound(id))
    }
}
