-- Time-bound partner grants (SPEC 7): each grant expires unless the client
-- renews it; the expiry is written to the audit log once, by the first
-- request or sweep that sees it (`expiry_recorded_at`, cleared on renewal).
ALTER TABLE grants ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
-- Grants given before expiry existed run one year from when they were given.
UPDATE grants SET expires_at = created_at + 31536000;
ALTER TABLE grants ADD COLUMN expiry_recorded_at BIGINT;
CREATE INDEX grants_unrecorded_expiry ON grants (expires_at)
    WHERE revoked = 0 AND expiry_recorded_at IS NULL;
