//! Accounts, passwords, tokens and who may do what.
//!
//! Owns users, login sessions and refresh tokens. Passwords are argon2id hashes computed off
//! the async threads; refresh tokens are stored only as SHA-256 digests; access tokens are
//! short-lived JWTs whose session is checked on every request, so logout and deactivation
//! take effect at once. Never logs a password, a token or a full phone number.

mod password;
mod service;
mod session;
pub mod store;
mod tokens;
mod users;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::storage::StoreError;
use crate::types::{Msisdn, Role};

pub use service::{AuthService, LoginTokens, NewUser, UserPatch};

pub use tokens::TokenKeys;

/// The vendor or retailer record a user logs in for (same phone number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Party {
    Vendor(u64),
    Retailer(u64),
}

/// Who does a business action. Every door takes one and checks, inside its write
/// transaction, that this caller may do it: a logged-in user, a shop or vendor writing on
/// WhatsApp (known by its phone), or Khaacho itself (jobs).
#[derive(Debug, Clone)]
pub enum Acting {
    User(Principal),
    Party(Party),
    System,
}

impl Acting {
    /// How the action is written in audit entries and order histories.
    pub fn actor(&self) -> Actor {
        match self {
            Acting::User(p) => p.actor(),
            Acting::Party(Party::Vendor(id)) => Actor::Vendor { id: *id },
            Acting::Party(Party::Retailer(id)) => Actor::Retailer { id: *id },
            Acting::System => Actor::System,
        }
    }

    pub fn label(&self) -> String {
        self.actor().label()
    }

    /// The vendor or shop the caller acts as, if any.
    pub fn party(&self) -> Option<Party> {
        match self {
            Acting::User(p) => match (p.vendor_id(), p.retailer_id()) {
                (Some(v), _) => Some(Party::Vendor(v)),
                (_, Some(r)) => Some(Party::Retailer(r)),
                _ => None,
            },
            Acting::Party(p) => Some(*p),
            Acting::System => None,
        }
    }

    /// Staff and Khaacho itself act on anything.
    pub fn is_staff(&self) -> bool {
        match self {
            Acting::User(p) => p.is_staff(),
            Acting::Party(_) => false,
            Acting::System => true,
        }
    }

    pub fn may_act_for_vendor(&self, vendor_id: u64) -> bool {
        self.is_staff() || self.party() == Some(Party::Vendor(vendor_id))
    }

    pub fn may_act_for_retailer(&self, retailer_id: u64) -> bool {
        self.is_staff() || self.party() == Some(Party::Retailer(retailer_id))
    }

    /// The user behind the action, when a user is.
    pub fn user_id(&self) -> Option<u64> {
        match self {
            Acting::User(p) => Some(p.user_id),
            _ => None,
        }
    }

    /// Refuses a deactivated shop or vendor; call inside the write transaction.
    pub fn ensure_active(&self, tx: &impl crate::storage::Tx) -> Result<(), AuthError> {
        match self.party() {
            Some(p) if !store::party_active(tx, p)? => Err(AuthError::Forbidden(
                match p {
                    Party::Vendor(_) => "this vendor is deactivated; ask an operator",
                    Party::Retailer(_) => "this shop is deactivated; ask an operator",
                }
                .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// An argon2id PHC string; shown nowhere.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub phone: Msisdn,
    pub email: Option<String>,
    pub name: String,
    pub role: Role,
    pub party: Option<Party>,
    pub active: bool,
    pub password_hash: PasswordHash,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub updated_at: DateTime<Utc>,
    /// The language the console is shown in.
    pub language: crate::types::language::Language,
}

/// One login: a family of refresh tokens, rotated on use, revoked together.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub id: u64,
    pub user_id: u64,
    #[serde(with = "crate::storage::ts")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts::opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_because: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshToken {
    pub session_id: u64,
    pub user_id: u64,
    #[serde(with = "crate::storage::ts")]
    pub issued_at: DateTime<Utc>,
    #[serde(with = "crate::storage::ts")]
    pub expires_at: DateTime<Utc>,
    /// Set when the token was exchanged; presenting it again ends the session (theft).
    #[serde(with = "crate::storage::ts::opt")]
    pub used_at: Option<DateTime<Utc>>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: u64,
    pub role: Role,
    pub party: Option<Party>,
    pub session_id: u64,
    /// Must change its password before anything else (the first admin).
    pub must_change_password: bool,
}

impl Principal {
    /// The box's owner at the command line (the control socket admits only the owner): acts
    /// with an admin's rights, as no user in particular.
    pub fn owner() -> Principal {
        Principal {
            user_id: 0,
            role: Role::Admin,
            party: None,
            session_id: 0,
            must_change_password: false,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user_id,
            role: self.role,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// The vendor this user acts for, when it is a linked vendor login.
    pub fn vendor_id(&self) -> Option<u64> {
        match (self.role, self.party) {
            (Role::Vendor, Some(Party::Vendor(id))) => Some(id),
            _ => None,
        }
    }

    /// The retailer this user acts for, when it is a linked retailer login.
    pub fn retailer_id(&self) -> Option<u64> {
        match (self.role, self.party) {
            (Role::Retailer, Some(Party::Retailer(id))) => Some(id),
            _ => None,
        }
    }

    /// Staff may act on any vendor; a vendor only on itself.
    pub fn may_act_for_vendor(&self, vendor_id: u64) -> bool {
        self.is_staff() || self.vendor_id() == Some(vendor_id)
    }

    /// Staff may act on any retailer; a retailer only on itself.
    pub fn may_act_for_retailer(&self, retailer_id: u64) -> bool {
        self.is_staff() || self.retailer_id() == Some(retailer_id)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("phone number or password is wrong")]
    InvalidCredentials,
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("this request needs a bearer token (Authorization: Bearer <access_token>)")]
    MissingToken,
    #[error("the token is not valid: {0}")]
    InvalidToken(String),
    #[error("the access token has expired; use the refresh token at /api/v1/auth/refresh")]
    TokenExpired,
    #[error("this session has ended; log in again")]
    SessionEnded,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("a user with phone {0} already exists")]
    PhoneTaken(String),
    #[error("no user with id {0}")]
    UserNotFound(u64),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        AuthError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
