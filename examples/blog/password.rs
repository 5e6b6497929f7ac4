//! Password hashes for the blog's authors: Argon2id in PHC strings (`$argon2id$v=19$…`).
//!
//! Hashing costs about 19 MiB and tens of milliseconds on purpose (Argon2's defaults), so
//! handlers use [`hash_on_pool`] and [`verify_on_pool`], which run it on the shard's
//! blocking pool, never on the shard.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use typhoon::ioloop::IoLoop;
use typhoon::web::HttpError;

/// Hashes `password` with a fresh random salt, as a PHC string to store.
///
/// # Errors
///
/// When the system's random source fails (Argon2's own errors cannot happen with its
/// default parameters).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

/// Whether `password` matches `stored`, a PHC string from [`hash`]. A malformed `stored`
/// matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// [`hash`] on the shard's blocking pool.
///
/// # Errors
///
/// 500 (the cause goes to the log) when hashing fails or panics.
pub async fn hash_on_pool(password: String) -> Result<String, HttpError> {
    match IoLoop::current()
        .run_in_executor(move || hash(&password))
        .await
    {
        Ok(Ok(hashed)) => Ok(hashed),
        Ok(Err(e)) => Err(HttpError::new(500).log(format!("password hash: {e}"))),
        Err(panic) => Err(HttpError::new(500).log(format!("password hash: {panic}"))),
    }
}

/// [`verify`] on the shard's blocking pool. Without a `stored` hash (no such author) it
/// checks against a decoy hash and answers `false`, taking as long as a real check: how
/// fast the login page answers does not tell which emails have an account.
///
/// # Errors
///
/// 500 (the cause goes to the log) when verifying panics.
pub async fn verify_on_pool(password: String, stored: Option<String>) -> Result<bool, HttpError> {
    IoLoop::current()
        .run_in_executor(move || match stored {
            Some(stored) => verify(&password, &stored),
            None => {
                verify(&password, decoy());
                false
            }
        })
        .await
        .map_err(|panic| HttpError::new(500).log(format!("password check: {panic}")))
}

/// A hash no password is checked against for real, made once (on the blocking pool,
/// by the first [`verify_on_pool`] that needs it).
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash("decoy").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("correct hors", &stored));
        assert!(!verify("", &stored));
    }

    #[test]
    fn the_same_password_gets_a_new_salt_each_time() {
        let (a, b) = (hash("pw").unwrap(), hash("pw").unwrap());
        assert_ne!(a, b);
        assert!(verify("pw", &a) && verify("pw", &b));
    }

    #[test]
    fn the_decoy_is_a_real_hash_no_usual_password_matches() {
        assert!(decoy().starts_with("$argon2id$"));
        assert!(!verify("", decoy()) && !verify("password", decoy()));
    }

    #[test]
    fn a_malformed_hash_matches_nothing() {
        assert!(!verify("pw", ""));
        assert!(!verify("pw", "pw"));
        assert!(!verify("pw", "$argon2id$v=19$garbage"));
    }
}
