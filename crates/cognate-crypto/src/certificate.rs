//! Self-signed X.509 certificates for a pool's signing key.
//!
//! Cognito's `GetSigningCertificate` returns the pool's SAML request-signing certificate as
//! base64 of the DER (no PEM armour); this produces the DER.

use rand::RngCore;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, IsCa, KeyUsagePurpose, PKCS_RSA_SHA256,
    PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use time::OffsetDateTime;

use crate::CryptoError;
use crate::signing::SigningKey;

/// Validity of the certificate, in years from `not_before`.
pub const VALIDITY_YEARS: i32 = 10;

/// Lets rcgen sign with our key without a second copy of the private key in rcgen's
/// `KeyPair` (which would keep its own, not zeroised, DER).
struct RcgenSigner<'a> {
    key: &'a SigningKey,
}

impl PublicKeyData for RcgenSigner<'_> {
    /// PKCS#1 `RSAPublicKey` DER, which rcgen wraps into the SubjectPublicKeyInfo.
    fn der_bytes(&self) -> &[u8] {
        self.key.public_pkcs1_der()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key
            .sign_rs256(msg)
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// A self-signed certificate (SHA256withRSA) for `key`, subject and issuer `CN=common_name`,
/// valid for ten years from `not_before_unix`, with a random 127-bit serial number. Returns
/// the DER.
pub fn self_signed_certificate(
    key: &SigningKey,
    common_name: &str,
    not_before_unix: i64,
) -> Result<Vec<u8>, CryptoError> {
    let cert_err = |e: rcgen::Error| CryptoError::Certificate(e.to_string());
    let not_before = OffsetDateTime::from_unix_timestamp(not_before_unix)
        .map_err(|_| CryptoError::Certificate("not_before out of range".into()))?;
    let not_after = add_years(not_before, VALIDITY_YEARS)
        .ok_or_else(|| CryptoError::Certificate("not_after out of range".into()))?;

    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.not_before = not_before;
    params.not_after = not_after;
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let mut serial = [0u8; 16];
    rand::rng().fill_bytes(&mut serial);
    // A positive, non-zero INTEGER, as RFC 5280 requires.
    serial[0] = (serial[0] & 0x7f) | 0x01;
    params.serial_number = Some(SerialNumber::from_slice(&serial));

    let signer = RcgenSigner { key };
    let cert = params.self_signed(&signer).map_err(cert_err)?;
    Ok(cert.der().to_vec())
}

/// Same month and day `years` later; 29 February becomes 28 February in a common year.
fn add_years(t: OffsetDateTime, years: i32) -> Option<OffsetDateTime> {
    let year = t.year().checked_add(years)?;
    t.replace_year(year).ok().or_else(|| {
        t.replace_day(28)
            .ok()
            .and_then(|t| t.replace_year(year).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::tests::test_key;

    #[test]
    fn der_is_a_sequence() {
        let der = self_signed_certificate(test_key(), "us-east-1_abc", 1_700_000_000).unwrap();
        assert_eq!(der[0], 0x30);
    }

    #[test]
    fn leap_day() {
        let t = OffsetDateTime::from_unix_timestamp(951_782_400).unwrap(); // 2000-02-29
        let later = add_years(t, 10).unwrap();
        assert_eq!(
            (later.year(), u8::from(later.month()), later.day()),
            (2010, 2, 28)
        );
    }
}
