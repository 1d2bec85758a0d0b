//! The auth service: login, refresh, logout, per-request authentication, user management.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{
    AuthError, Party, PasswordHash, Principal, RefreshToken, User, password, store, tokens,
};
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
}

crate::debug_redacted!(UserPatch { name, email, role, active } secret { password });

pub struct AuthService {
    pub(super) store: Store,
    clock: Arc<dyn Clock>,
    keys: tokens::TokenKeys,
    cfg: AuthConfig,
    /// Failed logins per phone *and* client address: an attacker elsewhere cannot lock out
    /// the phone's owner by failing on purpose.
    failures_by_phone: SlidingWindow,
    /// Failed logins per phone from anywhere, at ten times the per-address limit: a bound on
    /// guessing from many addresses. The owner lifts it with `khaacho reset-logins`.
    failures_by_phone_anywhere: SlidingWindow,
    attempts_by_ip: SlidingWindow,
    /// Wrong current passwords per user when changing it.
    password_failures: SlidingWindow,
    /// argon2 costs 19 MiB a hash: this many run at once, the rest wait.
    hashing: tokio::sync::Semaphore,
    /// Verified against when the phone is unknown, so timing does not reveal which exist.
    dummy_hash: PasswordHash,
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

    /// Logs in. Limits: attempts per client address, and failures per phone and address
    /// (plus a higher bound per phone from anywhere). A failure's slot is taken before the
    /// password is checked and given back on success, so parallel guesses cannot exceed it.
    pub async fn login(
        &self,
        phone: &str,
        password: String,
        client: Option<IpAddr>,
    ) -> Result<LoginTokens, AuthError> {
        let now = self.now();
        let client = crate::support::ratelimit::client_key(client);
        let too_many = |r: crate::support::ratelimit::RetryAfter| AuthError::TooManyAttempts {
            retry_after_secs: r.0,
        };
        self.attempts_by_ip
            .check_and_hit(&client, now)
            .map_err(too_many)?;
        let phone = Msisdn::parse(phone).map_err(|e| AuthError::invalid("phone", e))?;
        let here = format!("{phone}|{client}");
        self.failures_by_phone
            .check_and_hit(&here, now)
            .map_err(too_many)?;
        if let Err(r) = self
            .failures_by_phone_anywhere
            .check_and_hit(phone.as_str(), now)
        {
            self.failures_by_phone.unhit(&here);
            return Err(too_many(r));
        }
        let lookup = phone.clone();
        let found = self
            .store
            .read(move |tx| store::user_by_phone(tx, &lookup))
            .await?;
        let hash = found
            .as_ref()
            .map_or_else(|| self.dummy_hash.clone(), |u| u.password_hash.clone());
        // A password longer than any we accept is wrong without spending argon2 on it.
        let plausible = password.len() <= password::MAX_LEN * 4;
        let matches = plausible
            && self
                .argon(move || password::verify(&password, &hash))
                .await?;
        let user = match found {
            Some(u) if matches && u.active => u,
            _ => {
                tracing::info!(phone = %phone.masked(), "login refused");
                return Err(AuthError::InvalidCredentials);
            }
        };
        self.failures_by_phone.clear(&here);
        self.failures_by_phone_anywhere.clear(phone.as_str());
        self.open_session(&user, now).await
    }

    async fn open_session(
        &self,
        user: &User,
        now: DateTime<Utc>,
    ) -> Result<LoginTokens, AuthError> {
        let (refresh, digest) = tokens::new_refresh_token();
        let expires_at = now + Duration::days(self.cfg.refresh_token_ttl_days as i64);
        let user_id = user.id;
        let (session_id, must_change) = self
            .store
            .write(move |tx| {
                let s = store::start_session(tx, user_id, now)?;
                let t = RefreshToken {
                    session_id: s.id,
                    user_id,
                    issued_at: now,
                    expires_at,
                    used_at: None,
                };
                store::put_refresh_token(tx, &digest, &t)?;
                Ok::<_, AuthError>((s.id, store::must_change_password(tx, user_id)?))
            })
            .await?;
        self.tokens(user, session_id, refresh, must_change, now)
    }

    fn tokens(
        &self,
        user: &User,
        session_id: u64,
        refresh_token: String,
        password_change_required: bool,
        now: DateTime<Utc>,
    ) -> Result<LoginTokens, AuthError> {
        let ttl = self.cfg.access_token_ttl_secs as i64;
        Ok(LoginTokens {
            access_token: tokens::issue_access(
                &self.keys, user.id, user.role, session_id, now, ttl,
            )?,
            refresh_token,
            token_type: "Bearer",
            expires_in: ttl,
            user_id: user.id,
            role: user.role,
            password_change_required,
        })
    }

    /// Exchanges a refresh token for a new pair; the old one stops working. Presenting a
    /// token that was already exchanged ends the whole session (it was copied).
    pub async fn refresh(&self, token: &str) -> Result<LoginTokens, AuthError> {
        let now = self.now();
        let old = tokens::digest_refresh(token.trim());
        let (refresh, new_digest) = tokens::new_refresh_token();
        let ttl = Duration::days(self.cfg.refresh_token_ttl_days as i64);
        let outcome = self
            .store
            .write(move |tx| rotate_refresh(tx, &old, &new_digest, now, ttl))
            .await?;
        match outcome {
            Rotation::Rotated {
                user,
                session_id,
                must_change,
            } => self.tokens(&user, session_id, refresh, must_change, now),
            Rotation::Refused(e) => Err(e),
        }
    }

    /// Ends the caller's session: its access and refresh tokens stop working at once.
    pub async fn logout(&self, who: &Principal) -> Result<(), AuthError> {
        let now = self.now();
        let sid = who.session_id;
        self.store
            .write(move |tx| store::revoke_session(tx, sid, now, "logout"))
            .await?;
        Ok(())
    }

    /// Checks a bearer token and that its user and session are still live.
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError> {
        let claims = tokens::verify_access(&self.keys, bearer, self.now())?;
        let user_id: u64 = claims
            .sub
            .parse()
            .map_err(|_| AuthError::InvalidToken("malformed subject".into()))?;
        let sid = claims.sid;
        self.store
            .read(move |tx| {
                let user = store::user(tx, user_id)?.ok_or(AuthError::SessionEnded)?;
                let session = store::session(tx, sid)?.ok_or(AuthError::SessionEnded)?;
                if !user.active || session.revoked_at.is_some() || session.user_id != user_id {
                    return Err(AuthError::SessionEnded);
                }
                if let Some(party) = user.party
                    && !store::party_active(tx, party)?
                {
                    return Err(AuthError::Forbidden(match party {
                        Party::Vendor(_) => "this vendor is deactivated; ask an operator".into(),
                        Party::Retailer(_) => "this shop is deactivated; ask an operator".into(),
                    }));
                }
                Ok(Principal {
                    user_id,
                    role: user.role,
                    party: user.party,
                    session_id: sid,
                    must_change_password: store::must_change_password(tx, user_id)?,
                })
            })
            .await
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

enum Rotation {
    Rotated {
        user: User,
        session_id: u64,
        must_change: bool,
    },
    Refused(AuthError),
}

fn rotate_refresh(
    tx: &crate::storage::WriteTx,
    old: &str,
    new_digest: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Rotation, AuthError> {
    let refused = |reason: &str| Ok(Rotation::Refused(AuthError::InvalidToken(reason.into())));
    let Some(mut t) = store::refresh_token(tx, old)? else {
        return refused("unknown refresh token");
    };
    let session = store::session(tx, t.session_id)?;
    let user = store::user(tx, t.user_id)?;
    let (Some(session), Some(user)) = (session, user) else {
        return refused("unknown refresh token");
    };
    if t.used_at.is_some() {
        // A second use means someone else holds a copy: end the session for both.
        store::revoke_session(tx, session.id, now, "refresh token reused")?;
        tracing::warn!(user_id = user.id, "refresh token reused; session ended");
        return Ok(Rotation::Refused(AuthError::SessionEnded));
    }
    if session.revoked_at.is_some() || !user.active {
        return Ok(Rotation::Refused(AuthError::SessionEnded));
    }
    if t.expires_at <= now {
        return refused("refresh token expired; log in again");
    }
    t.used_at = Some(now);
    store::put_refresh_token(tx, old, &t)?;
    let next = RefreshToken {
        session_id: session.id,
        user_id: user.id,
        issued_at: now,
        expires_at: now + ttl,
        used_at: None,
    };
    store::put_refresh_token(tx, new_digest, &next)?;
    Ok(Rotation::Rotated {
        must_change: store::must_change_password(tx, user.id)?,
        user,
        session_id: session.id,
    })
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
