//! Sessions: login (with its limits), refresh-token rotation, logout, and authenticating
//! each request.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::service::{AuthService, LoginTokens};
use super::{AuthError, Party, Principal, RefreshToken, User, password, store, tokens};
use crate::types::Msisdn;

impl AuthService {
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
        self.store.read_now(|tx| {
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
