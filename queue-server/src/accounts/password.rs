//! Password hashes: argon2id with the library's recommended cost, kept as PHC strings
//! (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the cost can be raised later without breaking old hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::AccountError;

/// A valid hash of a password nobody has, checked when the user does not exist so that the answer
/// takes as long as for a real account.
pub(super) const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bW90Y3VhLWR1bW15LXNhbHQ$J2Gf3cgkq6ZrVwJGQQq6hWQbqmZ0n3l3cJc1mR3dJyM";

fn argon() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The argon2id hash of `password` (composed, NFC, as every password is taken: the same password
/// typed on a keyboard that sends letters decomposed still matches, NIST SP 800-63B 5.1.1.2) with a
/// fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let password = crate::domain::text::nfc(password);
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| AccountError::Unavailable)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| AccountError::Unavailable)?;
    argon().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| AccountError::Unavailable)
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let password = crate::domain::text::nfc(password);
    PasswordHash::new(hash).is_ok_and(|parsed| argon().verify_password(password.as_bytes(), &parsed).is_ok())
}
