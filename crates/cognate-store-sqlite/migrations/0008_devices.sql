-- Remembered devices (device tracking). The device's SRP salt and verifier arrive sealed
-- under the key-encryption key (bound to pool, user and device key); NULL until
-- ConfirmDevice. A device goes with its user.
CREATE TABLE devices (
    pool_id               TEXT    NOT NULL,
    device_key            TEXT    NOT NULL,
    sub                   TEXT    NOT NULL,
    group_key             TEXT    NOT NULL,
    verifier_sealed       BLOB,
    name                  TEXT,
    remembered            INTEGER NOT NULL,
    last_ip               TEXT,
    created_ms            INTEGER NOT NULL,
    modified_ms           INTEGER NOT NULL,
    last_authenticated_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, device_key),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;
CREATE INDEX devices_by_user ON devices (pool_id, sub, device_key);
