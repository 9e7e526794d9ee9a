//! Password hashes: argon2id with the library's recommended cost, kept as PHC strings
//! (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the cost can be raised later without breaking old hashes.

use std::sync::Mutex;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Password checks whose memory does not grow with sign-in attempts: each check works in an
/// argon2 memory area (19 MiB at the default cost) taken from a pool and given back, so memory is
/// at most one area per check running at once. The caller bounds how many run at once
/// ([`super::Accounts::login_async`] holds a permit of a small semaphore); without that bound the
/// pool grows to the number of concurrent checks, never beyond.
#[derive(Debug, Default)]
pub struct Verifier {
    areas: Mutex<Vec<Vec<Block>>>,
}

impl Verifier {
    /// Whether `password` (taken in NFC) matches the PHC string `hash`; false for a hash that does
    /// not parse or names another algorithm.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        let password = crate::domain::text::nfc(password);
        let Ok(parsed) = PasswordHash::new(hash) else { return false };
        let (Ok(algorithm), Ok(params), Some(expected), Some(salt)) =
            (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed), parsed.hash, parsed.salt)
        else {
            return false;
        };
        let version = parsed.version.map_or(Ok(Version::V0x13), Version::try_from);
        let Ok(version) = version else { return false };
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
        let mut area = self.areas.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
        area.resize(params.block_count(), Block::default());
        let mut out = vec![0u8; expected.len()];
        let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut area[..],
        );
        self.areas.lock().unwrap_or_else(|p| p.into_inner()).push(area);
        // `Output` compares in constant time.
        hashed.is_ok() && Output::new(&out).is_ok_and(|got| got == expected)
    }

    /// Memory areas kept for reuse (one per check that ran at the same time as others).
    pub fn areas(&self) -> usize {
        self.areas.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
