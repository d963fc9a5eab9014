-- Passkeys (WebAuthn). A credential id is unique in its pool; `credential` is the verified
-- credential as the WebAuthn library serialises it (public key, counter, flags: nothing
-- secret). `transports` is a JSON array of strings.
CREATE TABLE webauthn_credentials (
    pool_id         TEXT    NOT NULL,
    credential_id   TEXT    NOT NULL,
    sub             TEXT    NOT NULL,
    friendly_name   TEXT,
    relying_party_id TEXT   NOT NULL,
    attachment      TEXT,
    transports      TEXT    NOT NULL,
    credential      TEXT    NOT NULL,
    created_ms      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, credential_id),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX webauthn_credentials_by_user
    ON webauthn_credentials (pool_id, sub, created_ms, credential_id);

-- A started passkey registration (StartWebAuthnRegistration → Complete), one per user:
-- the ceremony state sealed under the key-encryption key, so any node can complete it.
CREATE TABLE webauthn_registrations (
    pool_id      TEXT    NOT NULL,
    sub          TEXT    NOT NULL,
    state_sealed BLOB    NOT NULL,
    expires_ms   INTEGER NOT NULL,
    PRIMARY KEY (pool_id, sub),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
