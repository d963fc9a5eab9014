-- Remembered devices (device tracking). The device's SRP salt and verifier arrive sealed
-- under the key-encryption key (bound to pool, user and device key); NULL until
-- ConfirmDevice. A device goes with its user. Keys sort with COLLATE "C" as elsewhere.
CREATE TABLE devices (
    pool_id               TEXT COLLATE "C" NOT NULL,
    device_key            TEXT COLLATE "C" NOT NULL,
    sub                   TEXT COLLATE "C" NOT NULL,
    group_key             TEXT    NOT NULL,
    verifier_sealed       BYTEA,
    name                  TEXT,
    remembered            BOOLEAN NOT NULL,
    last_ip               TEXT,
    created_ms            BIGINT  NOT NULL,
    modified_ms           BIGINT  NOT NULL,
    last_authenticated_ms BIGINT  NOT NULL,
    CONSTRAINT devices_pkey PRIMARY KEY (pool_id, device_key),
    CONSTRAINT devices_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX devices_by_user ON devices (pool_id, sub, device_key);
