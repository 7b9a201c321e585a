-- Email verification (SPEC 1) and company-level audit for both sides of a
-- grant (SPEC 8).
ALTER TABLE accounts ADD COLUMN verified_at BIGINT;
-- Accounts that existed before verification was required count as verified.
UPDATE accounts SET verified_at = created_at;
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX email_verifications_account ON email_verifications (account_id);
-- The other company an entry concerns (a grant's partner), so both
-- companies' admins read it.
ALTER TABLE audit ADD COLUMN other_company_id BIGINT;
CREATE INDEX audit_other_company_id ON audit (other_company_id, id);
