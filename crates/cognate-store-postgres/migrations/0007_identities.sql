-- Identities of identity pools (GetId, developer identities, merges), the logins linked to
-- them, the temporary credentials the built-in STS issued, and the key that signs
-- identity-pool OpenID tokens.
CREATE TABLE identities (
    id          TEXT COLLATE "C" NOT NULL,
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES identity_pools (id) ON DELETE CASCADE,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    -- Set when a merge disabled this identity: the identity that now holds its logins.
    merged_into TEXT COLLATE "C",
    CONSTRAINT identities_pkey PRIMARY KEY (id)
);
CREATE INDEX identities_by_pool ON identities (pool_id, created_ms, id);

-- A login (provider, subject) belongs to at most one identity of a pool.
CREATE TABLE identity_logins (
    pool_id     TEXT COLLATE "C" NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    CONSTRAINT identity_logins_pkey PRIMARY KEY (pool_id, provider, subject)
);
CREATE INDEX identity_logins_by_identity ON identity_logins (identity_id);

-- The secret key sealed under the key-encryption key, the session token as a keyed hash.
CREATE TABLE sts_sessions (
    access_key_id      TEXT COLLATE "C" NOT NULL,
    secret_sealed      BYTEA  NOT NULL,
    session_token_hash BYTEA  NOT NULL,
    identity_id        TEXT   NOT NULL,
    identity_pool_id   TEXT   NOT NULL,
    role_arn           TEXT   NOT NULL,
    session_name       TEXT    NOT NULL,
    amr                TEXT   NOT NULL,
    principal_tags     TEXT   NOT NULL,
    issued_ms          BIGINT NOT NULL,
    expires_ms         BIGINT NOT NULL,
    CONSTRAINT sts_sessions_pkey PRIMARY KEY (access_key_id)
);
CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires_ms);

-- One row (slot 'current'): the private half sealed under the key-encryption key.
CREATE TABLE identity_token_keys (
    slot               TEXT   NOT NULL,
    kid                TEXT   NOT NULL,
    public_jwk         TEXT   NOT NULL,
    sealed_private_key BYTEA  NOT NULL,
    created_ms         BIGINT NOT NULL,
    CONSTRAINT identity_token_keys_pkey PRIMARY KEY (slot)
);
