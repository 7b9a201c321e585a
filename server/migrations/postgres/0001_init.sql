-- Gatehouse schema (PostgreSQL). Flags are BIGINT 0/1 and times are unix
-- seconds so the same queries run on SQLite and PostgreSQL.
CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    support BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE companies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    partner_enabled BIGINT NOT NULL DEFAULT 0,
    client_enabled BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE company_members (
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    admin BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, account_id)
);
CREATE TABLE workspaces (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data_studio BIGINT NOT NULL DEFAULT 0,
    toggles_admin TEXT NOT NULL,
    toggles_developer TEXT NOT NULL,
    toggles_version BIGINT NOT NULL DEFAULT 0,
    join_token_hash TEXT UNIQUE
);
CREATE TABLE members (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    partner_company_id BIGINT REFERENCES companies(id) ON DELETE CASCADE,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);
CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    invited_by BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    UNIQUE (workspace_id, email)
);
CREATE TABLE access_requests (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (workspace_id, account_id)
);
CREATE TABLE groups (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_default BIGINT NOT NULL DEFAULT 0,
    UNIQUE (workspace_id, name_key)
);
CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
);
CREATE TABLE resources (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    integration_id BIGINT REFERENCES resources(id) ON DELETE CASCADE
);
CREATE TABLE resource_groups (
    resource_id BIGINT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, group_id)
);
CREATE TABLE flow_components (
    flow_id BIGINT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    job_id BIGINT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (flow_id, job_id)
);
CREATE TABLE grants (
    id BIGSERIAL PRIMARY KEY,
    client_company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    partner_company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    sections TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    redeemed BIGINT NOT NULL DEFAULT 0,
    revoked BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE grant_workspaces (
    grant_id BIGINT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    PRIMARY KEY (grant_id, workspace_id)
);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT,
    company_id BIGINT,
    actor_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX audit_workspace ON audit (workspace_id, at);
CREATE INDEX audit_company ON audit (company_id, at);
CREATE INDEX members_account ON members (account_id);
CREATE INDEX resources_workspace ON resources (workspace_id);
