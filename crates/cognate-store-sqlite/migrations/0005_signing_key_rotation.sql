-- Key rotation (R18): each key signs one token type from not_before_ms on and is published
-- until retire_after_ms (NULL while it is current). Existing pools have two keys created
-- together; they signed in (created_ms, kid) order, ID tokens with the first, access tokens
-- with the second, and keep doing so.
ALTER TABLE signing_keys ADD COLUMN key_use TEXT NOT NULL DEFAULT 'access'
    CHECK (key_use IN ('id', 'access'));
ALTER TABLE signing_keys ADD COLUMN not_before_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN retire_after_ms INTEGER;

UPDATE signing_keys SET not_before_ms = created_ms;
UPDATE signing_keys SET key_use = 'id'
WHERE NOT EXISTS (
    SELECT 1 FROM signing_keys AS earlier
    WHERE earlier.pool_id = signing_keys.pool_id
      AND (earlier.created_ms, earlier.kid) < (signing_keys.created_ms, signing_keys.kid)
);
