-- Passkeys (WebAuthn). A credential id is unique in its pool; `credential` is the verified
-- credential as the WebAuthn library serialises it (public key, counter, flags: nothing
-- secret). `transports` is a JSON array of strings.
CREATE TABLE webauthn_credentials (
    pool_id          TEXT COLLATE "C" NOT NULL,
    credential_id    TEXT COLLATE "C" NOT NULL,
    sub              TEXT COLLATE "C" NOT NULL,
    friendly_name    TEXT,
    relying_party_id TEXT   NOT NULL,
    attachment       TEXT,
    transports       TEXT   NOT NULL,
    credential       TEXT   NOT NULL,
    created_ms       BIGINT NOT NULL,
    CONSTRAINT webauthn_credentials_pkey PRIMARY KEY (pool_id, credential_id),
    CONSTRAINT webauthn_credentials_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX webauthn_credentials_by_user
    ON webauthn_credentials (pool_id, sub, created_ms, credential_id);

-- A started passkey registration (StartWebAuthnRegistration → Complete), one per user:
-- the ceremony state sealed under the key-encryption key, so any node can complete it.
CREATE TABLE webauthn_registrations (
    pool_id      TEXT COLLATE "C" NOT NULL,
    sub          TEXT COLLATE "C" NOT NULL,
    state_sealed BYTEA  NOT NULL,
    expires_ms   BIGINT NOT NULL,
    CONSTRAINT webauthn_registrations_pkey PRIMARY KEY (pool_id, sub),
    CONSTRAINT webauthn_registrations_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
