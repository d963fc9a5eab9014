-- Key rotation (R18): each key signs one token type from not_before_ms on and is published
-- until retire_after_ms (NULL while it is current). Existing pools have two keys created
-- together; they signed in (created_ms, kid) order, ID tokens with the first, access tokens
-- with the second, and keep doing so.
ALTER TABLE signing_keys ADD COLUMN key_use TEXT NOT NULL DEFAULT 'access'
    CONSTRAINT signing_keys_use_check CHECK (key_use IN ('id', 'access'));
ALTER TABLE signing_keys ADD COLUMN not_before_ms BIGINT;
ALTER TABLE signing_keys ADD COLUMN retire_after_ms BIGINT;

UPDATE signing_keys SET not_before_ms = created_ms;
UPDATE signing_keys AS k SET key_use = 'id'
WHERE NOT EXISTS (
    SELECT 1 FROM signing_keys AS earlier
    WHERE earlier.pool_id = k.pool_id
      AND (earlier.created_ms, earlier.kid) < (k.created_ms, k.kid)
);

ALTER TABLE signing_keys ALTER COLUMN not_before_ms SET NOT NULL;
ALTER TABLE signing_keys ALTER COLUMN key_use DROP DEFAULT;
