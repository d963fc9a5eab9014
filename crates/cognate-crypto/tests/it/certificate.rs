use cognate_crypto::self_signed_certificate;
use x509_parser::prelude::*;

#[test]
fn certificate_parses_with_expected_fields() {
    let key = crate::key();
    let not_before = 1_700_000_000; // 2023-11-14T22:13:20Z
    let der = self_signed_certificate(key, "us-east-1_Abc123XYZ", not_before).unwrap();
    assert_eq!(der[0], 0x30, "DER SEQUENCE");

    let (rest, cert) = X509Certificate::from_der(&der).unwrap();
    assert!(rest.is_empty());
    assert_eq!(cert.version(), X509Version::V3);
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap();
    assert_eq!(cn, "us-east-1_Abc123XYZ");
    assert_eq!(cert.subject(), cert.issuer());
    assert_eq!(cert.validity().not_before.timestamp(), not_before);
    let years = (cert.validity().not_after.timestamp() - not_before) as f64 / (365.25 * 86_400.0);
    assert!((years - 10.0).abs() < 0.01, "{years}");
    assert_eq!(
        cert.signature_algorithm.algorithm,
        x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
    );
    assert!(
        cert.tbs_certificate
            .raw_serial()
            .first()
            .is_some_and(|b| b & 0x80 == 0)
    );

    // The certificate carries the pool key's public half and verifies under it.
    let spki = cert.public_key();
    match spki.parsed().unwrap() {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            use base64::Engine as _;
            let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(key.public_jwk()["n"].as_str().unwrap())
                .unwrap();
            let trimmed: Vec<u8> = rsa
                .modulus
                .iter()
                .copied()
                .skip_while(|b| *b == 0)
                .collect();
            assert_eq!(trimmed, n);
        }
        other => panic!("not RSA: {other:?}"),
    }
    cert.verify_signature(None).unwrap();
}

#[test]
fn serials_differ() {
    let a = self_signed_certificate(crate::key(), "cn", 0).unwrap();
    let b = self_signed_certificate(crate::key(), "cn", 0).unwrap();
    let serial = |der: &[u8]| {
        X509Certificate::from_der(der)
            .unwrap()
            .1
            .tbs_certificate
            .raw_serial()
            .to_vec()
    };
    assert_ne!(serial(&a), serial(&b));
}

#[test]
fn out_of_range_time_is_an_error() {
    assert!(self_signed_certificate(crate::key(), "cn", i64::MAX).is_err());
}
