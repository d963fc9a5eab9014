-- SRP verifiers (USER_SRP_AUTH): the salt and verifier sealed together under the
-- key-encryption key (R10d), bound to pool and sub. NULL for users without a password and
-- for users whose password was set before this column existed, until it is next set or
-- checked by a password sign-in.
ALTER TABLE users ADD COLUMN srp_verifier_sealed BLOB;
