-- Periodic purges delete by time; these indexes keep each purge a range scan.
CREATE INDEX counters_by_last ON counters (last_ms);
CREATE INDEX counter_slots_by_updated ON counter_slots (updated_ms);
CREATE INDEX codes_by_expiry ON codes (expires_ms);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_ms);
CREATE INDEX revoked_token_families_by_time ON revoked_token_families (revoked_ms);
