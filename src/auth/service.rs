//! The auth service: users and passwords, and the login limits. Sessions (login, refresh,
//! logout, per-request authentication) are in `session`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{AuthError, PasswordHash, Principal, password, store, tokens};
use crate::audit::{self};
use crate::config::AuthConfig;
use crate::storage::{Store, StoreError};
use crate::support::clock::Clock;
use crate::support::ratelimit::SlidingWindow;
use crate::types::{Msisdn, Role};

/// What a login or a refresh hands back.
#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct LoginTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user_id: u64,
    pub role: Role,
    /// The password was set by someone else (the first admin's, printed on the console): it
    /// must be changed (`POST /api/v1/auth/password`) before any other call.
    pub password_change_required: bool,
}

crate::debug_redacted!(LoginTokens { token_type, expires_in, user_id, role, password_change_required } secret { access_token, refresh_token });

#[derive(Clone)]
pub struct NewUser {
    pub phone: Msisdn,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub password: String,
    /// The password is someone else's choice and must be changed at first login.
    pub must_change_password: bool,
}

crate::debug_redacted!(NewUser { phone, name, email, role, must_change_password } secret { password });

#[derive(Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password: Option<String>,
    pub language: Option<crate::types::language::Language>,
}

crate::debug_redacted!(UserPatch { name, email, role, active, language } secret { password });

impl UserPatch {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.role.is_none()
            && self.active.is_none()
            && self.password.is_none()
            && self.language.is_none()
    }
}

pub struct AuthService {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) keys: tokens::TokenKeys,
    pub(super) cfg: AuthConfig,
    /// Failed logins per phone *and* client address: an attacker elsewhere cannot lock out
    /// the phone's owner by failing on purpose.
    pub(super) failures_by_phone: SlidingWindow,
    /// Failed logins per phone from anywhere, at ten times the per-address limit: a bound on
    /// guessing from many addresses. The owner lifts it with `khaacho reset-logins`.
    pub(super) failures_by_phone_anywhere: SlidingWindow,
    pub(super) attempts_by_ip: SlidingWindow,
    /// Wrong current passwords per user when changing it.
    pub(super) password_failures: SlidingWindow,
    /// argon2 costs 19 MiB a hash: this many run at once, the rest wait.
    pub(super) hashing: tokio::sync::Semaphore,
    /// Verified against when the phone is unknown, so timing does not reveal which exist.
    pub(super) dummy_hash: PasswordHash,
}

impl AuthService {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        keys: tokens::TokenKeys,
        cfg: AuthConfig,
    ) -> Result<Self, AuthError> {
        let failure_window = Duration::seconds(cfg.login_failure_window_secs as i64);
        let failures_by_phone = SlidingWindow::new(cfg.login_failures_per_phone, failure_window);
        let failures_by_phone_anywhere = SlidingWindow::new(
            cfg.login_failures_per_phone.saturating_mul(10),
            failure_window,
        );
        let password_failures = SlidingWindow::new(cfg.login_failures_per_phone, failure_window);
        let hashing = tokio::sync::Semaphore::new(cfg.max_concurrent_hashes.max(1) as usize);
        let attempts_by_ip = SlidingWindow::new(
            cfg.login_attempts_per_ip,
            Duration::seconds(cfg.login_ip_window_secs as i64),
        );
        let dummy_hash = password::hash("not a real password, only for timing")?;
        Ok(Self {
            store,
            clock,
            keys,
            cfg,
            failures_by_phone,
            failures_by_phone_anywhere,
            attempts_by_ip,
            password_failures,
            hashing,
            dummy_hash,
        })
    }

    /// Runs an argon2 computation off the async threads, at most `max_concurrent_hashes` at
    /// once.
    pub(super) async fn argon<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| StoreError::Io("the hashing pool is closed".into()))?;
        Ok(tokio::task::spawn_blocking(f)
            .await
            .map_err(StoreError::from)?)
    }

    /// Forgets failed logins (`khaacho reset-logins`, from the box itself): of one phone, or
    /// of everyone.
    pub fn reset_login_limits(&self, phone: Option<&Msisdn>) {
        match phone {
            Some(p) => {
                self.failures_by_phone.clear_prefix(&format!("{p}|"));
                self.failures_by_phone_anywhere.clear(p.as_str());
            }
            None => {
                self.failures_by_phone.clear_prefix("");
                self.failures_by_phone_anywhere.clear_prefix("");
                self.attempts_by_ip.clear_prefix("");
            }
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn change_password(
        &self,
        who: &Principal,
        current: String,
        new: String,
    ) -> Result<(), AuthError> {
        password::check_policy(&new)?;
        let uid = who.user_id;
        let key = uid.to_string();
        self.password_failures
            .check_and_hit(&key, self.now())
            .map_err(|r| AuthError::TooManyAttempts {
                retry_after_secs: r.0,
            })?;
        let user = self
            .store
            .read(move |tx| store::user(tx, uid))
            .await?
            .ok_or(AuthError::UserNotFound(uid))?;
        let old_hash = user.password_hash.clone();
        let plausible = current.len() <= password::MAX_LEN * 4;
        if !(plausible
            && self
                .argon(move || password::verify(&current, &old_hash))
                .await?)
        {
            return Err(AuthError::WrongPassword);
        }
        self.password_failures.clear(&key);
        let hash = self.argon(move || password::hash(&new)).await??;
        let (now, keep, actor) = (self.now(), who.session_id, who.actor());
        self.store
            .write(move |tx| {
                let mut u = store::user(tx, uid)?.ok_or(AuthError::UserNotFound(uid))?;
                u.password_hash = hash.clone();
                u.updated_at = now;
                store::save_user(tx, &u)?;
                store::set_must_change_password(tx, uid, false, now)?;
                store::revoke_user_sessions(tx, uid, Some(keep), now, "password changed")?;
                audit::record(
                    tx,
                    now,
                    &actor,
                    "user.password",
                    format!("user:{uid}"),
                    String::new(),
                )?;
                Ok(())
            })
            .await
    }

    /// Users, newest first, optionally of one role.
    pub async fn list_users(
        &self,
        cursor: Option<u64>,
        limit: usize,
        role: Option<Role>,
    ) -> Result<crate::support::page::Page<crate::auth::User>, StoreError> {
        self.store
            .read(move |tx| super::store::list(tx, cursor, limit, role))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_new_passwords_never_show_in_debug() {
        let tokens = LoginTokens {
            access_token: "s3cret-access".into(),
            refresh_token: "s3cret-refresh".into(),
            token_type: "Bearer",
            expires_in: 3600,
            user_id: 1,
            role: Role::Admin,
            password_change_required: true,
        };
        let new = NewUser {
            phone: Msisdn::parse("+9779800000000").unwrap(),
            name: "A".into(),
            email: None,
            role: Role::Admin,
            password: "s3cret-pass".into(),
            must_change_password: true,
        };
        let patch = UserPatch {
            password: Some("s3cret-pass".into()),
            ..UserPatch::default()
        };
        for s in [
            format!("{tokens:?}"),
            format!("{new:?}"),
            format!("{patch:?}"),
        ] {
            assert!(!s.contains("s3cret") && s.contains("[redacted]"), "{s}");
        }
    }
}
