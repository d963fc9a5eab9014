use std::os::unix::fs::PermissionsExt;

use cognate_crypto::{CryptoError, Kek};

#[test]
fn round_trip_wrong_aad_wrong_key() {
    let kek = Kek::generate().unwrap();
    let other = Kek::generate().unwrap();
    let sealed = kek
        .seal(b"client secret", b"client-secret:pool/client")
        .unwrap();
    assert!(
        !sealed.windows(6).any(|w| w == b"client"),
        "plaintext visible"
    );
    assert_eq!(
        kek.open(&sealed, b"client-secret:pool/client")
            .unwrap()
            .as_slice(),
        b"client secret"
    );
    assert!(matches!(
        kek.open(&sealed, b"client-secret:pool/other"),
        Err(CryptoError::Open)
    ));
    assert!(matches!(
        other.open(&sealed, b"client-secret:pool/client"),
        Err(CryptoError::WrongKek { .. })
    ));
    // Empty plaintext is fine.
    let empty = kek.seal(b"", b"").unwrap();
    assert!(kek.open(&empty, b"").unwrap().is_empty());
}

#[test]
fn wrong_key_with_forged_key_id_still_fails() {
    let kek = Kek::generate().unwrap();
    let other = Kek::generate().unwrap();
    let mut sealed = kek.seal(b"x", b"").unwrap();
    // Pretend it was sealed under `other`: the key id matches now, but the tag cannot.
    sealed[1..5].copy_from_slice(&hex::decode(other.key_id()).unwrap());
    assert!(matches!(other.open(&sealed, b""), Err(CryptoError::Open)));
}

#[test]
fn from_base64() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
    let a = Kek::from_base64(&b64).unwrap();
    let b = Kek::from_base64(&format!("  {b64}\n")).unwrap();
    assert_eq!(a.key_id(), b.key_id());
    let sealed = a.seal(b"s", b"").unwrap();
    assert_eq!(b.open(&sealed, b"").unwrap().as_slice(), b"s");
    assert!(Kek::from_base64("AAAA").is_err(), "3 bytes");
    assert!(
        Kek::from_base64(&base64::engine::general_purpose::STANDARD.encode([1u8; 33])).is_err()
    );
    assert!(Kek::from_base64("not base64!").is_err());
}

#[test]
fn key_file_created_0600_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let first = Kek::load_or_create(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let second = Kek::load_or_create(&path).unwrap();
    assert_eq!(first.key_id(), second.key_id());
    let sealed = first.seal(b"v", b"a").unwrap();
    assert_eq!(second.open(&sealed, b"a").unwrap().as_slice(), b"v");
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // The file is one base64 line that from_base64 accepts.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(Kek::from_base64(&text).unwrap().key_id(), first.key_id());
}

#[test]
fn concurrent_creation_yields_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| Kek::load_or_create(&path).unwrap().key_id()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
}

#[test]
fn key_file_with_group_or_other_bits_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let kek = Kek::load_or_create(&path).unwrap();
    for mode in [0o640, 0o604, 0o644, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = Kek::load_or_create(&path).unwrap_err();
        assert!(
            matches!(err, CryptoError::KekPermissions { .. }),
            "{mode:o}: {err}"
        );
        assert!(err.to_string().contains("chmod 600"));
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_eq!(Kek::load_or_create(&path).unwrap().key_id(), kek.key_id());
}

#[test]
fn key_file_with_wrong_length_refused() {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, b"AAAA\n").unwrap();
    assert!(matches!(
        Kek::load_or_create(&path),
        Err(CryptoError::InvalidKek(_))
    ));
    // An empty file (for example a crash mid-write by another tool) is refused, not replaced.
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        Kek::load_or_create(&path),
        Err(CryptoError::InvalidKek(_))
    ));
}

#[test]
fn key_path_that_is_a_directory_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(
        Kek::load_or_create(dir.path()),
        Err(CryptoError::KekNotAFile { .. })
    ));
}

#[test]
fn missing_parent_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/kek");
    assert!(matches!(
        Kek::load_or_create(&path),
        Err(CryptoError::KekFile { .. })
    ));
}
