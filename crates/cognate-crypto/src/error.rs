use std::path::PathBuf;

/// Failures of this crate outside JWT verification (which has [`crate::JwtError`]).
///
/// Messages never contain key material; callers turn these into a generic internal error.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("RSA key generation failed")]
    KeyGeneration,
    #[error("private key rejected: {0}")]
    KeyRejected(String),
    #[error("invalid public key: {0}")]
    InvalidPublicKey(&'static str),
    #[error("signing failed")]
    Signing,
    #[error("key serialisation failed")]
    Serialisation,
    #[error("JWT header and claims must be JSON objects")]
    JwtNotObject,
    #[error("certificate generation failed: {0}")]
    Certificate(String),
    #[error("invalid key-encryption key: {0}")]
    InvalidKek(&'static str),
    #[error("key-encryption key file {path}: {source}")]
    KekFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "key-encryption key file {path} has mode {mode:04o}; it must not be readable or \
         writable by group or others (chmod 600)"
    )]
    KekPermissions { path: PathBuf, mode: u32 },
    #[error("key-encryption key file {path} is not a regular file")]
    KekNotAFile { path: PathBuf },
    #[error("encryption failed")]
    Seal,
    #[error("random generator failed")]
    Random,
    #[error("sealed value is malformed")]
    SealedMalformed,
    #[error("sealed value uses unknown format version {0}")]
    SealedVersion(u8),
    #[error("sealed under another key-encryption key (key id {found}, expected {expected})")]
    WrongKek { expected: String, found: String },
    #[error("decryption failed: wrong key, wrong associated data or tampered ciphertext")]
    Open,
}
