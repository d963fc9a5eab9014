-- Users and their security state: attributes, aliases, group membership,
-- one-time codes, counters, refresh tokens, used sessions; the outbox.
-- Times are epoch milliseconds; secrets arrive hashed or sealed.

CREATE TABLE users (
    pool_id                  TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    sub                      TEXT    NOT NULL,
    username                 TEXT    NOT NULL,
    username_key             TEXT    NOT NULL,
    status                   TEXT    NOT NULL,
    enabled                  INTEGER NOT NULL,
    password_hash            TEXT,
    password_expires_ms      INTEGER,
    created_ms               INTEGER NOT NULL,
    modified_ms              INTEGER NOT NULL,
    tokens_revoked_before_ms INTEGER NOT NULL,
    extra                    TEXT    NOT NULL,
    -- Sign-in aliases held by the user (normalised values), one per kind.
    -- Columns rather than a table so that the unique index that refuses a
    -- duplicate names the kind in the driver error.
    alias_email              TEXT,
    alias_phone_number       TEXT,
    alias_preferred_username TEXT,
    PRIMARY KEY (pool_id, sub)
) STRICT;
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
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    search_key TEXT,
    PRIMARY KEY (pool_id, sub, name),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX user_attributes_search ON user_attributes (pool_id, name, search_key, sub)
    WHERE search_key IS NOT NULL;

CREATE TABLE group_members (
    pool_id    TEXT    NOT NULL,
    group_name TEXT    NOT NULL,
    sub        TEXT    NOT NULL,
    added_ms   INTEGER NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (pool_id, sub, group_name);

CREATE TABLE codes (
    pool_id       TEXT    NOT NULL,
    sub           TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    code_hash     BLOB    NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;

-- Lockout and rate-limit counters; user-owned keys start with 'user/<pool>/<sub>/'.
CREATE TABLE counters (
    key      TEXT    NOT NULL PRIMARY KEY,
    count    INTEGER NOT NULL,
    first_ms INTEGER NOT NULL,
    last_ms  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE refresh_tokens (
    token_hash  BLOB    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL,
    sub         TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    origin_jti  TEXT    NOT NULL,
    auth_time_s INTEGER NOT NULL,
    device_key  TEXT,
    scopes      TEXT    NOT NULL,
    issued_ms   INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL,
    replaced_ms INTEGER,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, sub);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (origin_jti);

-- A revoked family stays revoked whatever members are added later.
CREATE TABLE revoked_token_families (
    origin_jti TEXT    NOT NULL PRIMARY KEY,
    pool_id    TEXT    NOT NULL,
    sub        TEXT    NOT NULL,
    revoked_ms INTEGER NOT NULL,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX revoked_token_families_by_user ON revoked_token_families (pool_id, sub);

-- Challenge sessions already used; a row outlives its session only until purged.
CREATE TABLE used_sessions (
    session_id TEXT    NOT NULL PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX used_sessions_by_expiry ON used_sessions (expires_ms);

CREATE TABLE outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    pool_id         TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    username        TEXT,
    channel         TEXT    NOT NULL,
    destination     TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    sealed_content  BLOB    NOT NULL,
    created_ms      INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_by_created ON outbox (created_ms, id);
CREATE INDEX outbox_by_pool ON outbox (pool_id, created_ms, id);
CREATE INDEX outbox_by_destination ON outbox (destination, created_ms, id);
CREATE INDEX outbox_by_username ON outbox (username, created_ms, id);
CREATE INDEX outbox_due ON outbox (next_attempt_ms, id) WHERE status = 'PENDING';
