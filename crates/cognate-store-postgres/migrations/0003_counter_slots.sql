-- Eight integer slots per counter key, changed by compare-and-set (lockout state).
-- User-owned keys start with 'user/<pool>/<sub>/' and go with the user.
CREATE TABLE counter_slots (
    key        TEXT COLLATE "C" NOT NULL,
    s0         BIGINT NOT NULL,
    s1         BIGINT NOT NULL,
    s2         BIGINT NOT NULL,
    s3         BIGINT NOT NULL,
    s4         BIGINT NOT NULL,
    s5         BIGINT NOT NULL,
    s6         BIGINT NOT NULL,
    s7         BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    CONSTRAINT counter_slots_pkey PRIMARY KEY (key)
);
