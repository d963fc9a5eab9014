-- Management plane: user pools and what hangs off them, identity pools.
-- Times are epoch milliseconds; JSON documents are TEXT stored verbatim.

CREATE TABLE user_pools (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    arn         TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT    NOT NULL,
    tags        TEXT    NOT NULL
) STRICT;
CREATE INDEX user_pools_by_created ON user_pools (created_ms, id);

CREATE TABLE signing_keys (
    pool_id            TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid                TEXT    NOT NULL,
    alg                TEXT    NOT NULL,
    sealed_private_key BLOB    NOT NULL,
    public_jwk         TEXT    NOT NULL,
    certificate_der    BLOB    NOT NULL,
    created_ms         INTEGER NOT NULL,
    active             INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kid)
) STRICT;

CREATE TABLE clients (
    client_id   TEXT    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT    NOT NULL
) STRICT;
-- Listing by pool, and the parent key client_secrets points at.
CREATE UNIQUE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE client_secrets (
    pool_id       TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    secret_id     TEXT    NOT NULL,
    sealed_secret BLOB    NOT NULL,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (pool_id, client_id, secret_id),
    FOREIGN KEY (pool_id, client_id) REFERENCES clients (pool_id, client_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE groups (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT,
    role_arn    TEXT,
    precedence  INTEGER,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, name)
) STRICT;

CREATE TABLE domains (
    domain      TEXT    NOT NULL PRIMARY KEY,
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    custom      INTEGER NOT NULL,
    settings    TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) STRICT;
-- One prefix domain and one custom domain per pool at most.
CREATE UNIQUE INDEX domains_one_per_kind ON domains (pool_id, custom);

CREATE TABLE resource_servers (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier  TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) STRICT;

-- UI customization, risk configuration, log delivery...: key is a client id or 'ALL'.
CREATE TABLE pool_documents (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    modified_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kind, key)
) STRICT;
-- Deleting a client removes the documents keyed by its id.
CREATE INDEX pool_documents_by_key ON pool_documents (pool_id, key);

CREATE TABLE identity_pools (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    settings    TEXT    NOT NULL,
    tags        TEXT    NOT NULL
) STRICT;
CREATE INDEX identity_pools_by_created ON identity_pools (created_ms, id);
