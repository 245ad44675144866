//! Who wrote a module file: ed25519 keys and signatures over its digest.
//!
//! A module file carries native code, so its digest only proves that the file is whole;
//! a signature proves that it is what a key's holder wrote. A deployment that loads only
//! signed modules gives the runtime the public keys it trusts
//! ([`crate::format::ModuleFile::from_shared_trusted`]) and every other file, unsigned or
//! signed by another key, is refused.
//!
//! Keys are stored as one line of text: `strata-ed25519-secret:` or
//! `strata-ed25519-public:` and 64 hex digits (the 32-byte seed or the public point).

use std::fmt;

/// A key that cannot be made, read or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

const SECRET_PREFIX: &str = "strata-ed25519-secret:";
const PUBLIC_PREFIX: &str = "strata-ed25519-public:";

/// The bytes of a signature.
pub const SIGNATURE_BYTES: usize = 64;

/// A short name for a public key (the first 8 bytes of its BLAKE3 hash), as module files
/// record their signer and errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A signing key: sign module files with it (`strata compile --sign`).
pub struct SecretKey(ed25519_dalek::SigningKey);

/// A public key: a runtime given it trusts the modules its secret key signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex32(text: &str, prefix: &str, what: &str) -> Result<[u8; 32], KeyError> {
    let digits = text
        .trim()
        .strip_prefix(prefix)
        .ok_or_else(|| KeyError(format!("not a {what} (it should start '{prefix}')")))?;
    if digits.len() != 64 || !digits.is_ascii() {
        return Err(KeyError(format!(
            "a {what} has 64 hex digits after '{prefix}'"
        )));
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
            .map_err(|_| KeyError(format!("a {what} holds hex digits only")))?;
    }
    Ok(out)
}

impl SecretKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| KeyError(format!("no random source for a new key: {e}")))?;
        Ok(SecretKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key from its 32-byte seed (for tests; keys to keep come from [`Self::generate`]).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Reads a key from its text form.
    pub fn from_text(text: &str) -> Result<SecretKey, KeyError> {
        let seed = unhex32(text, SECRET_PREFIX, "secret key")?;
        Ok(SecretKey::from_seed(seed))
    }

    /// The key's text form (keep it secret).
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}\n", hex(self.0.as_bytes()))
    }

    /// The public half, to give to runtimes.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_BYTES] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(for {})", self.public().id())
    }
}

impl PublicKey {
    /// Reads a key from its text form.
    pub fn from_text(text: &str) -> Result<PublicKey, KeyError> {
        let point = unhex32(text, PUBLIC_PREFIX, "public key")?;
        ed25519_dalek::VerifyingKey::from_bytes(&point)
            .map(PublicKey)
            .map_err(|_| KeyError("the public key is not a point of the curve".into()))
    }

    /// The key's text form.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}\n", hex(self.0.as_bytes()))
    }

    /// Its short name.
    pub fn id(&self) -> KeyId {
        let h = blake3::hash(self.0.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&h.as_bytes()[..8]);
        KeyId(id)
    }

    /// Whether `signature` is this key's signature of `message` (strictly: no malleable
    /// encodings, no weak keys).
    pub fn verifies(&self, message: &[u8], signature: &[u8; SIGNATURE_BYTES]) -> bool {
        let s = ed25519_dalek::Signature::from_bytes(signature);
        self.0.verify_strict(message, &s).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_sign() {
        let k = SecretKey::from_seed([7; 32]);
        let again = SecretKey::from_text(&k.to_text()).unwrap();
        assert_eq!(again.public(), k.public());
        let p = PublicKey::from_text(&k.public().to_text()).unwrap();
        let s = k.sign(b"module digest");
        assert!(p.verifies(b"module digest", &s));
        assert!(!p.verifies(b"module digest!", &s));
        let other = SecretKey::from_seed([8; 32]).public();
        assert!(!other.verifies(b"module digest", &s));
        assert_ne!(other.id(), p.id());
        for bad in [
            "",
            "strata-ed25519-public:00",
            &k.to_text(),
            &format!("{PUBLIC_PREFIX}{}", "zz".repeat(32)),
        ] {
            assert!(PublicKey::from_text(bad).is_err(), "{bad:?}");
        }
        assert!(SecretKey::from_text(&p.to_text()).is_err());
    }
}
