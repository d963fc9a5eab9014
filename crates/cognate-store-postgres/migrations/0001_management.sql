-- Management plane: user pools and what hangs off them, identity pools.
-- Times are epoch milliseconds; JSON documents are TEXT stored verbatim (JSONB
-- would reorder keys and rewrite numbers). Keys sort with COLLATE "C" so
-- listings page in byte order, the same order as SQLite.
-- Constraint names are part of the contract: error.rs maps them.

CREATE TABLE user_pools (
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT   NOT NULL,
    arn         TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT   NOT NULL,
    tags        TEXT   NOT NULL,
    CONSTRAINT user_pools_pkey PRIMARY KEY (id)
);
CREATE INDEX user_pools_by_created ON user_pools (created_ms, id);

CREATE TABLE signing_keys (
    pool_id            TEXT COLLATE "C" NOT NULL,
    kid                TEXT COLLATE "C" NOT NULL,
    alg                TEXT    NOT NULL,
    sealed_private_key BYTEA   NOT NULL,
    public_jwk         TEXT    NOT NULL,
    certificate_der    BYTEA   NOT NULL,
    created_ms         BIGINT  NOT NULL,
    active             BOOLEAN NOT NULL,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (pool_id, kid),
    CONSTRAINT signing_keys_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);

CREATE TABLE clients (
    client_id   TEXT COLLATE "C" NOT NULL,
    pool_id     TEXT COLLATE "C" NOT NULL,
    name        TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT   NOT NULL,
    CONSTRAINT clients_pkey PRIMARY KEY (client_id),
    CONSTRAINT clients_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);
-- Listing by pool, and the parent key client_secrets points at.
CREATE UNIQUE INDEX clients_by_pool ON clients (pool_id, client_id);

CREATE TABLE client_secrets (
    pool_id       TEXT COLLATE "C" NOT NULL,
    client_id     TEXT COLLATE "C" NOT NULL,
    secret_id     TEXT COLLATE "C" NOT NULL,
    sealed_secret BYTEA  NOT NULL,
    created_ms    BIGINT NOT NULL,
    CONSTRAINT client_secrets_pkey PRIMARY KEY (pool_id, client_id, secret_id),
    CONSTRAINT client_secrets_client_fkey FOREIGN KEY (pool_id, client_id)
        REFERENCES clients (pool_id, client_id) ON DELETE CASCADE
);

CREATE TABLE groups (
    pool_id     TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT,
    role_arn    TEXT,
    precedence  INTEGER,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    CONSTRAINT groups_pkey PRIMARY KEY (pool_id, name),
    CONSTRAINT groups_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);

CREATE TABLE domains (
    domain      TEXT COLLATE "C" NOT NULL,
    pool_id     TEXT COLLATE "C" NOT NULL,
    custom      BOOLEAN NOT NULL,
    settings    TEXT    NOT NULL,
    created_ms  BIGINT  NOT NULL,
    modified_ms BIGINT  NOT NULL,
    CONSTRAINT domains_pkey PRIMARY KEY (domain),
    CONSTRAINT domains_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);
-- One prefix domain and one custom domain per pool at most.
CREATE UNIQUE INDEX domains_one_per_kind ON domains (pool_id, custom);

CREATE TABLE resource_servers (
    pool_id     TEXT COLLATE "C" NOT NULL,
    identifier  TEXT COLLATE "C" NOT NULL,
    name        TEXT   NOT NULL,
    scopes      TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    CONSTRAINT resource_servers_pkey PRIMARY KEY (pool_id, identifier),
    CONSTRAINT resource_servers_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);

-- UI customization, risk configuration, log delivery...: key is a client id or 'ALL'.
CREATE TABLE pool_documents (
    pool_id     TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    doc         TEXT   NOT NULL,
    modified_ms BIGINT NOT NULL,
    CONSTRAINT pool_documents_pkey PRIMARY KEY (pool_id, kind, key),
    CONSTRAINT pool_documents_pool_fkey FOREIGN KEY (pool_id)
        REFERENCES user_pools (id) ON DELETE CASCADE
);
-- Deleting a client removes the documents keyed by its id.
CREATE INDEX pool_documents_by_key ON pool_documents (pool_id, key);

CREATE TABLE identity_pools (
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    modified_ms BIGINT NOT NULL,
    settings    TEXT   NOT NULL,
    tags        TEXT   NOT NULL,
    CONSTRAINT identity_pools_pkey PRIMARY KEY (id)
);
CREATE INDEX identity_pools_by_created ON identity_pools (created_ms, id);
