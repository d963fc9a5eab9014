//! When a pool's signing key signs and when it is published (R18, key rotation).
//!
//! A key is published on `jwks.json` from the moment it is stored until its retirement, and
//! signs only from `not_before_ms` on. Rotation stores the new keys ahead of their first use
//! (so verifiers holding a cached JWKS learn the new `kid` before they meet it) and retires
//! the replaced ones only once every token they may have signed has expired.

/// Which token type a key signs: Cognito uses a different `kid` for ID and access tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyUse {
    Id,
    Access,
}

impl KeyUse {
    pub const ALL: [KeyUse; 2] = [KeyUse::Id, KeyUse::Access];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyUse::Id => "id",
            KeyUse::Access => "access",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "id" => Some(KeyUse::Id),
            "access" => Some(KeyUse::Access),
            _ => None,
        }
    }
}

/// A key's place in the rotation schedule, epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyWindow {
    /// Signs from this instant on; before it the key is only published.
    pub not_before_ms: i64,
    /// After this instant the key is neither used nor published; `None` while it is current.
    pub retire_after_ms: Option<i64>,
}

impl KeyWindow {
    /// Whether the key belongs on `jwks.json` (and verifies tokens) at `now_ms`.
    pub fn is_published(&self, now_ms: i64) -> bool {
        self.retire_after_ms.is_none_or(|retire| retire > now_ms)
    }

    /// Whether the key may sign at `now_ms`.
    pub fn may_sign(&self, now_ms: i64) -> bool {
        self.not_before_ms <= now_ms && self.is_published(now_ms)
    }
}

/// A key as the schedule sees it; implemented by the stored record.
pub trait ScheduledKey {
    fn key_use(&self) -> KeyUse;
    fn window(&self) -> KeyWindow;
    /// A key switched off by hand never signs, whatever its window says.
    fn enabled(&self) -> bool {
        true
    }
}

/// The key that signs tokens of `key_use` at `now_ms`: among the keys that may sign, the one
/// with the newest `not_before_ms`; on a tie, the later in `keys` (stores list oldest first).
pub fn signing_key<T: ScheduledKey>(keys: &[T], key_use: KeyUse, now_ms: i64) -> Option<&T> {
    keys.iter()
        .filter(|key| key.key_use() == key_use && key.enabled() && key.window().may_sign(now_ms))
        .max_by_key(|key| key.window().not_before_ms)
}

/// Every key that may have signed a still-valid token or is about to sign: what `jwks.json`
/// lists and what verification accepts.
pub fn published_keys<T: ScheduledKey>(keys: &[T], now_ms: i64) -> impl Iterator<Item = &T> {
    keys.iter()
        .filter(move |key| key.window().is_published(now_ms))
}

/// Five minutes: the `max-age` of `jwks.json`, so a verifier that cached the key set just
/// before a rotation refetches it before the new key signs its first token.
pub const DEFAULT_PUBLISH_AHEAD_SECONDS: u64 = 300;
/// One day: the longest ID or access token validity an app client may configure.
pub const DEFAULT_RETAIN_SECONDS: u64 = 86_400;
/// How long a node keeps a pool's keys in memory before it rereads them, so every node of
/// a shared database learns of a rotation within this time.
pub const DEFAULT_CACHE_SECONDS: u64 = 60;

/// The settings a rotation is planned with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationSchedule {
    /// Time between publishing the new keys and their first use.
    pub publish_ahead_ms: i64,
    /// How long replaced keys stay published after they last signed: the maximum token
    /// lifetime.
    pub retain_ms: i64,
    /// The nodes' key-cache lifetime: a node that read the keys just before the rotation
    /// may keep signing with the old ones for this long.
    pub cache_ms: i64,
}

impl Default for RotationSchedule {
    fn default() -> Self {
        Self::from_seconds(
            DEFAULT_PUBLISH_AHEAD_SECONDS,
            DEFAULT_RETAIN_SECONDS,
            DEFAULT_CACHE_SECONDS,
        )
    }
}

/// When a rotation made at some instant takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationTimes {
    /// The new keys sign from here on.
    pub new_not_before_ms: i64,
    /// The replaced keys vanish after this.
    pub old_retire_after_ms: i64,
}

impl RotationSchedule {
    pub fn from_seconds(publish_ahead_s: u64, retain_s: u64, cache_s: u64) -> Self {
        let ms = |s: u64| i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000);
        Self {
            publish_ahead_ms: ms(publish_ahead_s),
            retain_ms: ms(retain_s),
            cache_ms: ms(cache_s),
        }
    }

    /// The old keys sign until the new ones take over, or until the last node rereads its
    /// cache if that is later (a short `publish_ahead`); tokens they signed then live up to
    /// `retain_ms` more.
    pub fn plan(&self, now_ms: i64) -> RotationTimes {
        let new_not_before_ms = now_ms.saturating_add(self.publish_ahead_ms);
        let last_old_signature = new_not_before_ms.max(now_ms.saturating_add(self.cache_ms));
        RotationTimes {
            new_not_before_ms,
            old_retire_after_ms: last_old_signature.saturating_add(self.retain_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Key {
        name: &'static str,
        key_use: KeyUse,
        window: KeyWindow,
        enabled: bool,
    }

    impl ScheduledKey for Key {
        fn key_use(&self) -> KeyUse {
            self.key_use
        }
        fn window(&self) -> KeyWindow {
            self.window
        }
        fn enabled(&self) -> bool {
            self.enabled
        }
    }

    fn key(name: &'static str, key_use: KeyUse, not_before_ms: i64, retire: Option<i64>) -> Key {
        Key {
            name,
            key_use,
            window: KeyWindow {
                not_before_ms,
                retire_after_ms: retire,
            },
            enabled: true,
        }
    }

    fn signer(keys: &[Key], key_use: KeyUse, now_ms: i64) -> Option<&'static str> {
        signing_key(keys, key_use, now_ms).map(|key| key.name)
    }

    fn published(keys: &[Key], now_ms: i64) -> Vec<&'static str> {
        published_keys(keys, now_ms).map(|key| key.name).collect()
    }

    /// A pool created at 0, rotated at 1 000 with the new keys signing from 1 300 and the
    /// old ones retired after 5 000.
    fn rotated() -> Vec<Key> {
        vec![
            key("id-old", KeyUse::Id, 0, Some(5_000)),
            key("access-old", KeyUse::Access, 0, Some(5_000)),
            key("id-new", KeyUse::Id, 1_300, None),
            key("access-new", KeyUse::Access, 1_300, None),
        ]
    }

    #[test]
    fn old_keys_sign_until_the_new_ones_take_over() {
        let keys = rotated();
        assert_eq!(signer(&keys, KeyUse::Id, 1_299), Some("id-old"));
        assert_eq!(signer(&keys, KeyUse::Access, 1_299), Some("access-old"));
        assert_eq!(signer(&keys, KeyUse::Id, 1_300), Some("id-new"));
        assert_eq!(signer(&keys, KeyUse::Access, 1_300), Some("access-new"));
        assert_eq!(signer(&keys, KeyUse::Access, 9_999), Some("access-new"));
    }

    #[test]
    fn new_keys_are_published_before_first_use_and_old_ones_until_retirement() {
        let keys = rotated();
        let all = vec!["id-old", "access-old", "id-new", "access-new"];
        assert_eq!(published(&keys, 1_000), all);
        assert_eq!(published(&keys, 4_999), all);
        // Retirement is exclusive: at the instant itself the old keys are gone.
        assert_eq!(published(&keys, 5_000), vec!["id-new", "access-new"]);
    }

    #[test]
    fn a_retired_key_never_signs() {
        let keys = vec![key("only", KeyUse::Id, 0, Some(100))];
        assert_eq!(signer(&keys, KeyUse::Id, 99), Some("only"));
        assert_eq!(signer(&keys, KeyUse::Id, 100), None);
        assert_eq!(signer(&keys, KeyUse::Access, 50), None);
    }

    #[test]
    fn a_disabled_key_is_published_but_never_signs() {
        let mut keys = vec![
            key("a", KeyUse::Id, 0, None),
            key("b", KeyUse::Id, 10, None),
        ];
        keys[1].enabled = false;
        assert_eq!(signer(&keys, KeyUse::Id, 20), Some("a"));
        assert_eq!(published(&keys, 20), vec!["a", "b"]);
    }

    #[test]
    fn ties_go_to_the_later_key() {
        let keys = vec![
            key("first", KeyUse::Id, 0, None),
            key("second", KeyUse::Id, 0, None),
        ];
        assert_eq!(signer(&keys, KeyUse::Id, 0), Some("second"));
    }

    #[test]
    fn the_plan_covers_every_token_the_old_keys_may_sign() {
        let schedule = RotationSchedule::default();
        let times = schedule.plan(1_000_000);
        assert_eq!(times.new_not_before_ms, 1_300_000);
        assert_eq!(times.old_retire_after_ms, 1_300_000 + 86_400_000);

        // Without publishing ahead, a node with a fresh cache signs with the old key for
        // up to the cache lifetime after the rotation; retention counts from there.
        let immediate = RotationSchedule::from_seconds(0, 1, 60);
        let times = immediate.plan(1_000_000);
        assert_eq!(times.new_not_before_ms, 1_000_000);
        assert_eq!(times.old_retire_after_ms, 1_061_000);
    }

    #[test]
    fn use_round_trips() {
        for key_use in KeyUse::ALL {
            assert_eq!(KeyUse::parse(key_use.as_str()), Some(key_use));
        }
        assert_eq!(KeyUse::parse("sig"), None);
    }
}
