//! Access tokens (HS256 JWTs) and refresh tokens (random, stored as digests).
//!
//! Expiry is checked against the app's clock, not the system's, so tests can move time.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuthError;
use crate::types::{Role, Secret};

const KEY_FILE: &str = "jwt.key";

/// The signing key; its `Debug` shows nothing.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Uses the configured secret, else the key file in the data directory, creating it
    /// (32 random bytes, mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path, configured: Option<&Secret>) -> std::io::Result<Self> {
        if let Some(secret) = configured.filter(|s| !s.is_empty()) {
            return Ok(Self::from_secret(secret.expose().as_bytes()));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= 32 => return Ok(Self::from_secret(&bytes)),
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is shorter than 32 bytes; delete it to generate a new key (all sessions end)",
                    path.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        write_private(&path, &key)?;
        Ok(Self::from_secret(&key))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub sid: u64,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
}

pub fn issue_access(
    keys: &TokenKeys,
    user_id: u64,
    role: Role,
    session_id: u64,
    now: DateTime<Utc>,
    ttl_secs: i64,
) -> Result<String, AuthError> {
    let claims = Claims {
        sub: user_id.to_string(),
        sid: session_id,
        role,
        iat: now.timestamp(),
        exp: now.timestamp() + ttl_secs,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding)
        .map_err(|e| AuthError::InvalidToken(format!("could not sign: {e}")))
}

/// HS256 only; expiry is checked against the caller's clock below, not the system's.
static ACCESS_RULES: LazyLock<Validation> = LazyLock::new(|| {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims = HashSet::new();
    validation
});

/// Verifies signature and expiry; returns the user id and session id.
pub fn verify_access(
    keys: &TokenKeys,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Claims, AuthError> {
    let data = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &ACCESS_RULES)
        .map_err(|e| AuthError::InvalidToken(describe(&e)))?;
    if data.claims.exp <= now.timestamp() {
        return Err(AuthError::TokenExpired);
    }
    Ok(data.claims)
}

fn describe(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidSignature => "signature does not match".into(),
        ErrorKind::InvalidAlgorithm => "wrong signing algorithm".into(),
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => "malformed token".into(),
        _ => "rejected".into(),
    }
}

/// A new refresh token and the digest under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("khr_{}", URL_SAFE_NO_PAD.encode(bytes));
    let digest = digest_refresh(&token);
    (token, digest)
}

pub fn digest_refresh(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap()
    }

    #[test]
    fn an_access_token_verifies_until_it_expires() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let t = issue_access(&keys, 7, Role::Operator, 3, now(), 3600).unwrap();
        let c = verify_access(&keys, &t, now() + Duration::minutes(59)).unwrap();
        assert_eq!((c.sub.as_str(), c.sid, c.role), ("7", 3, Role::Operator));
        assert!(matches!(
            verify_access(&keys, &t, now() + Duration::minutes(60)),
            Err(AuthError::TokenExpired)
        ));
    }

    #[test]
    fn a_token_signed_with_another_key_or_edited_is_refused() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let other = TokenKeys::from_secret(b"fedcba9876543210fedcba9876543210");
        let t = issue_access(&other, 1, Role::Admin, 1, now(), 3600).unwrap();
        assert!(matches!(
            verify_access(&keys, &t, now()),
            Err(AuthError::InvalidToken(_))
        ));
        let good = issue_access(&keys, 1, Role::Retailer, 1, now(), 3600).unwrap();
        let mut parts: Vec<&str> = good.split('.').collect();
        let forged = URL_SAFE_NO_PAD
            .encode(br#"{"sub":"1","sid":1,"role":"admin","iat":0,"exp":9999999999}"#);
        parts[1] = &forged;
        assert!(verify_access(&keys, &parts.join("."), now()).is_err());
        assert!(verify_access(&keys, "garbage", now()).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_as_digests() {
        let (a, da) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(digest_refresh(&a), da);
        assert!(!da.contains(&a));
    }
}
