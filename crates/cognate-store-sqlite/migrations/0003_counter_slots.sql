-- Eight integer slots per counter key, changed by compare-and-set (lockout state).
-- User-owned keys start with 'user/<pool>/<sub>/' and go with the user.
CREATE TABLE counter_slots (
    key        TEXT    NOT NULL PRIMARY KEY,
    s0         INTEGER NOT NULL,
    s1         INTEGER NOT NULL,
    s2         INTEGER NOT NULL,
    s3         INTEGER NOT NULL,
    s4         INTEGER NOT NULL,
    s5         INTEGER NOT NULL,
    s6         INTEGER NOT NULL,
    s7         INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
