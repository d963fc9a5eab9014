-- Users and their security state: attributes, aliases, group membership,
-- one-time codes, counters, refresh tokens, used sessions; the outbox.
-- Times are epoch milliseconds; secrets arrive hashed or sealed. Keys sort
-- with COLLATE "C" (byte order, as SQLite), which also lets prefix ranges
-- use the btree indexes. Constraint names are part of the contract: error.rs
-- maps them.

CREATE TABLE users (
    pool_id                  TEXT COLLATE "C" NOT NULL,
    sub                      TEXT COLLATE "C" NOT NULL,
    username                 TEXT    NOT NULL,
    username_key             TEXT COLLATE "C" NOT NULL,
    status                   TEXT COLLATE "C" NOT NULL,
    enabled                  BOOLEAN NOT NULL,
    password_hash            TEXT,
    password_expires_ms      BIGINT,
    created_ms               BIGINT  NOT NULL,
    modified_ms              BIGINT  NOT NULL,
    tokens_revoked_before_ms BIGINT  NOT NULL,
    extra                    TEXT    NOT NULL,
    -- Sign-in aliases held by the user (normalised values), one per kind.
    -- Columns rather than a table so that the unique index that refuses a
    -- duplicate names the kind in the driver error.
    alias_email              TEXT COLLATE "C",
    alias_phone_number       TEXT COLLATE "C",
    alias_preferred_username TEXT COLLATE "C",
    CONSTRAINT users_pkey PRIMARY KEY (pool_id, sub),
    CONSTRAINT users_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX users_by_username ON users (pool_id, username_key);
CREATE UNIQUE INDEX users_alias_email ON users (pool_id, alias_email)
    WHERE alias_email IS NOT NULL;
CREATE UNIQUE INDEX users_alias_phone_number ON users (pool_id, alias_phone_number)
    WHERE alias_phone_number IS NOT NULL;
CREATE UNIQUE INDEX users_alias_preferred_username ON users (pool_id, alias_preferred_username)
    WHERE alias_preferred_username IS NOT NULL;
-- ListUsers filters on cognito:user_status and status.
CREATE INDEX users_by_status ON users (pool_id, status, sub);
CREATE INDEX users_by_enabled ON users (pool_id, enabled, sub);

-- search_key: lower-cased, length-capped value of the ListUsers-searchable
-- attributes (computed by the store), NULL for the others.
CREATE TABLE user_attributes (
    pool_id    TEXT COLLATE "C" NOT NULL,
    sub        TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    value      TEXT NOT NULL,
    search_key TEXT COLLATE "C",
    CONSTRAINT user_attributes_pkey PRIMARY KEY (pool_id, sub, name),
    CONSTRAINT user_attributes_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_attributes_search ON user_attributes (pool_id, name, search_key, sub)
    WHERE search_key IS NOT NULL;

CREATE TABLE group_members (
    pool_id    TEXT COLLATE "C" NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    sub        TEXT COLLATE "C" NOT NULL,
    added_ms   BIGINT NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (pool_id, group_name, sub),
    CONSTRAINT group_members_group_fkey FOREIGN KEY (pool_id, group_name)
        REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    CONSTRAINT group_members_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);

CREATE TABLE codes (
    pool_id       TEXT COLLATE "C" NOT NULL,
    sub           TEXT COLLATE "C" NOT NULL,
    purpose       TEXT COLLATE "C" NOT NULL,
    code_hash     BYTEA   NOT NULL,
    created_ms    BIGINT  NOT NULL,
    expires_ms    BIGINT  NOT NULL,
    attempts_left INTEGER NOT NULL,
    CONSTRAINT codes_pkey PRIMARY KEY (pool_id, sub, purpose),
    CONSTRAINT codes_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

-- Lockout and rate-limit counters; user-owned keys start with 'user/<pool>/<sub>/'.
CREATE TABLE counters (
    key      TEXT COLLATE "C" NOT NULL,
    count    BIGINT NOT NULL,
    first_ms BIGINT NOT NULL,
    last_ms  BIGINT NOT NULL,
    CONSTRAINT counters_pkey PRIMARY KEY (key)
);

CREATE TABLE refresh_tokens (
    token_hash  BYTEA   NOT NULL,
    pool_id     TEXT COLLATE "C" NOT NULL,
    sub         TEXT COLLATE "C" NOT NULL,
    client_id   TEXT    NOT NULL,
    origin_jti  TEXT COLLATE "C" NOT NULL,
    auth_time_s BIGINT  NOT NULL,
    device_key  TEXT,
    scopes      TEXT    NOT NULL,
    issued_ms   BIGINT  NOT NULL,
    expires_ms  BIGINT  NOT NULL,
    revoked     BOOLEAN NOT NULL,
    replaced_ms BIGINT,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT refresh_tokens_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, sub);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (origin_jti);

-- A revoked family stays revoked whatever members are added later.
CREATE TABLE revoked_token_families (
    origin_jti TEXT COLLATE "C" NOT NULL,
    pool_id    TEXT COLLATE "C" NOT NULL,
    sub        TEXT COLLATE "C" NOT NULL,
    revoked_ms BIGINT NOT NULL,
    CONSTRAINT revoked_token_families_pkey PRIMARY KEY (origin_jti),
    CONSTRAINT revoked_token_families_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX revoked_token_families_by_user ON revoked_token_families (pool_id, sub);

-- Challenge sessions already used; a row outlives its session only until purged.
CREATE TABLE used_sessions (
    session_id TEXT COLLATE "C" NOT NULL,
    expires_ms BIGINT NOT NULL,
    CONSTRAINT used_sessions_pkey PRIMARY KEY (session_id)
);
CREATE INDEX used_sessions_by_expiry ON used_sessions (expires_ms);

CREATE TABLE outbox (
    id              TEXT COLLATE "C" NOT NULL,
    pool_id         TEXT COLLATE "C" NOT NULL,
    username        TEXT COLLATE "C",
    channel         TEXT    NOT NULL,
    destination     TEXT COLLATE "C" NOT NULL,
    purpose         TEXT    NOT NULL,
    sealed_content  BYTEA   NOT NULL,
    created_ms      BIGINT  NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_ms BIGINT  NOT NULL,
    CONSTRAINT outbox_pkey PRIMARY KEY (id),
    CONSTRAINT outbox_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);
CREATE INDEX outbox_by_created ON outbox (created_ms, id);
CREATE INDEX outbox_by_pool ON outbox (pool_id, created_ms, id);
CREATE INDEX outbox_by_destination ON outbox (destination, created_ms, id);
CREATE INDEX outbox_by_username ON outbox (username, created_ms, id);
CREATE INDEX outbox_due ON outbox (next_attempt_ms, id) WHERE status = 'PENDING';
