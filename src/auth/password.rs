//! Password hashing with argon2id. Callers run these off the async threads: each call costs
//! tens of milliseconds by design.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::{AuthError, PasswordHash};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

/// Checks the rules every new password must meet.
pub fn check_policy(password: &str) -> Result<(), AuthError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(AuthError::invalid(
            "password",
            format!("must be at least {MIN_LEN} characters (got {len})"),
        ));
    }
    if len > MAX_LEN {
        return Err(AuthError::invalid(
            "password",
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    if password.trim().is_empty() {
        return Err(AuthError::invalid("password", "must not be only spaces"));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<PasswordHash, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| AuthError::Store(crate::storage::StoreError::Io(format!("hashing: {e}"))))
}

/// True when `password` matches `hash`; a malformed stored hash simply does not match.
pub fn verify(password: &str, hash: &PasswordHash) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash.0.as_str())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.0.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", &PasswordHash("not a hash".into())));
    }

    #[test]
    fn short_and_blank_passwords_are_refused() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("          ").is_err());
        assert!(check_policy("long enough pass").is_ok());
    }
}
