//! Envelope encryption of secrets at rest under a key-encryption key (KEK).
//!
//! Client secrets, signing keys' private halves, SRP verifiers and TOTP seeds reach the
//! store sealed, so a copy of the database alone reveals none of them; the KEK lives in a
//! separate file (or configuration).
//!
//! Sealed format, version 1:
//! `0x01 ‖ key id (4 bytes: sha256(kek)[..4]) ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖
//! tag (16 bytes)`. The version byte and key id are authenticated along with the caller's
//! associated data (`aad`), which should name what the secret belongs to (for example
//! `b"client-secret:<pool>/<client>"`) so a sealed value copied to another row fails to
//! open. Nonces are random: with 96-bit nonces, one key can seal about 2^32 values before
//! the collision risk matters, orders of magnitude beyond what a pool stores.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Length of a key-encryption key in bytes (AES-256).
pub const KEK_LEN: usize = 32;
const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const HEADER_LEN: usize = 1 + KEY_ID_LEN;
const TAG_LEN: usize = 16;
/// Smallest sealed value: header, nonce and tag around an empty plaintext.
pub const SEALED_OVERHEAD: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;
/// A key file is one base64 line (44 chars); anything much longer is not a key file.
const MAX_KEY_FILE_LEN: u64 = 1024;

/// A key-encryption key. `Debug` shows only its key id; the key schedule lives in aws-lc,
/// which clears it when freed, and every copy of the raw bytes made here is zeroised.
pub struct Kek {
    id: [u8; KEY_ID_LEN],
    key: RandomizedNonceKey,
    /// HKDF pseudo-random key extracted from the KEK, from which
    /// [`crate::keyed_hash`] expands per-purpose keys. Kept instead of the KEK's raw bytes
    /// so that no copy of the encryption key itself lives outside aws-lc.
    derivation_prk: Zeroizing<[u8; 32]>,
}

impl Kek {
    /// A fresh random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; KEK_LEN]);
        aws_lc_rs::rand::fill(bytes.as_mut())
            .map_err(|_| CryptoError::InvalidKek("random generator failed"))?;
        Self::from_bytes(bytes.as_ref())
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != KEK_LEN {
            return Err(CryptoError::InvalidKek("must be exactly 32 bytes"));
        }
        let digest = Sha256::digest(bytes);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CryptoError::InvalidKek("rejected by AES-256-GCM"))?;
        let derivation_prk = crate::keyed_hash::extract_prk(bytes);
        Ok(Self {
            id,
            key,
            derivation_prk,
        })
    }

    /// A key from standard base64 (with padding) of 32 bytes, surrounding whitespace
    /// ignored: the form used in configuration and in the key file.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| CryptoError::InvalidKek("not standard base64"))?,
        );
        Self::from_bytes(&bytes)
    }

    /// Reads the key file at `path`, or creates it with a new key if it does not exist.
    ///
    /// The file holds the key as one line of base64. A new file is created with mode 0600
    /// and appears complete or not at all (written to a temporary file, then hard-linked
    /// into place, which fails rather than replaces if another process won the race; the
    /// loser then reads the winner's key). An existing file must be a regular file without
    /// any group or other permission bits, and must hold exactly 32 bytes.
    #[cfg(unix)]
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        match load_file(path) {
            Err(CryptoError::KekFile { source, .. }) if source.kind() == ErrorKind::NotFound => {
                create_file(path)
            }
            other => other,
        }
    }

    /// Short public identifier of this key (hex of `sha256(key)[..4]`), stored in every
    /// sealed value so that a value sealed under another key is recognised as such.
    #[must_use]
    pub fn key_id(&self) -> String {
        hex::encode(self.id)
    }

    /// Encrypts `plaintext`, binding it to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let header = self.header();
        let mut buf = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        buf.extend_from_slice(plaintext);
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(full_aad(&header, aad)), &mut *buf)
            .map_err(|_| CryptoError::Seal)?;
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + buf.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Decrypts a value made by [`Kek::seal`] with this key and the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < SEALED_OVERHEAD {
            return Err(CryptoError::SealedMalformed);
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        if header[0] != VERSION {
            return Err(CryptoError::SealedVersion(header[0]));
        }
        if header[1..] != self.id {
            return Err(CryptoError::WrongKek {
                expected: self.key_id(),
                found: hex::encode(&header[1..]),
            });
        }
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::SealedMalformed)?;
        let mut buf = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .key
            .open_in_place(nonce, Aad::from(full_aad(header, aad)), &mut buf)
            .map_err(|_| CryptoError::Open)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }

    /// The HKDF pseudo-random key for per-purpose key derivation ([`crate::keyed_hash`]).
    pub(crate) fn derivation_prk(&self) -> &[u8; 32] {
        &self.derivation_prk
    }

    fn header(&self) -> [u8; HEADER_LEN] {
        let mut h = [VERSION; HEADER_LEN];
        h[1..].copy_from_slice(&self.id);
        h
    }
}

/// The key id a sealed value claims (hex), if it is long enough to have one; for finding
/// values still sealed under an old key.
#[must_use]
pub fn sealed_key_id(sealed: &[u8]) -> Option<String> {
    (sealed.len() >= SEALED_OVERHEAD && sealed[0] == VERSION)
        .then(|| hex::encode(&sealed[1..HEADER_LEN]))
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kek")
            .field("id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// The header is fixed-length, so `header ‖ aad` is unambiguous.
fn full_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(header.len() + aad.len());
    v.extend_from_slice(header);
    v.extend_from_slice(aad);
    v
}

#[cfg(unix)]
fn load_file(path: &Path) -> Result<Kek, CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let io_err = |source| CryptoError::KekFile {
        path: path.to_owned(),
        source,
    };
    // Checks run on the opened file, not the path, so a swap between check and read
    // cannot slip another file in.
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(CryptoError::KekNotAFile {
            path: path.to_owned(),
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::KekPermissions {
            path: path.to_owned(),
            mode,
        });
    }
    if meta.len() > MAX_KEY_FILE_LEN {
        return Err(CryptoError::InvalidKek("key file too long"));
    }
    let mut text = Zeroizing::new(String::new());
    file.take(MAX_KEY_FILE_LEN)
        .read_to_string(&mut text)
        .map_err(io_err)?;
    Kek::from_base64(&text)
}

#[cfg(unix)]
fn create_file(path: &Path) -> Result<Kek, CryptoError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io_err = |source| CryptoError::KekFile {
        path: path.to_owned(),
        source,
    };

    let mut bytes = Zeroizing::new([0u8; KEK_LEN]);
    aws_lc_rs::rand::fill(bytes.as_mut())
        .map_err(|_| CryptoError::InvalidKek("random generator failed"))?;
    let kek = Kek::from_bytes(bytes.as_ref())?;
    let text = Zeroizing::new(format!("{}\n", STANDARD.encode(bytes.as_ref())));

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("kek");
    let tmp = dir.join(format!(".{file_name}.{}.tmp", crate::ids::random_token(9)));
    let write_new = |target: &Path| -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(target)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    };

    if let Err(e) = write_new(&tmp) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        // Another process created the key first: use its key, never replace it.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return load_file(path),
        // Filesystems without hard links: create in place. O_EXCL still guarantees a
        // single winner; a concurrent reader may see a partial file and fail loudly.
        Err(_) => match write_new(path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return load_file(path),
            Err(e) => return Err(io_err(e)),
        },
    }
    // Make the new directory entry durable; losing the key loses every sealed secret.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(kek)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let kek = Kek::generate().unwrap();
        let sealed = kek.seal(b"secret", b"ctx").unwrap();
        assert_eq!(sealed.len(), SEALED_OVERHEAD + 6);
        assert_eq!(sealed[0], 1);
        assert_eq!(sealed_key_id(&sealed).unwrap(), kek.key_id());
        assert_eq!(kek.open(&sealed, b"ctx").unwrap().as_slice(), b"secret");
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert!(kek.open(&t, b"ctx").is_err(), "flipped byte {i}");
        }
        assert!(matches!(kek.open(&sealed, b"ctx2"), Err(CryptoError::Open)));
        assert!(matches!(
            kek.open(&sealed[..10], b"ctx"),
            Err(CryptoError::SealedMalformed)
        ));
        assert!(kek.open(&sealed[..sealed.len() - 1], b"ctx").is_err());
    }

    #[test]
    fn nonces_differ() {
        let kek = Kek::generate().unwrap();
        assert_ne!(kek.seal(b"x", b"").unwrap(), kek.seal(b"x", b"").unwrap());
    }

    #[test]
    fn debug_is_redacted() {
        let b64 = STANDARD.encode([7u8; 32]);
        let kek = Kek::from_base64(&b64).unwrap();
        let dbg = format!("{kek:?}");
        assert!(dbg.contains(&kek.key_id()));
        assert!(!dbg.contains(&b64) && !dbg.contains("0707"));
    }
}
