-- Scale (SPEC 11): exactly one Owner backed by the schema, a per-workspace
-- version and change log, an email outbox drained after commit, paging
-- indexes. SQLite cannot add a foreign key to an existing table, so
-- `workspaces` is rebuilt (SQLite's documented procedure). The server runs
-- migrations with foreign keys off, so dropping the old table cascades
-- nowhere, and checks every foreign key before turning them back on.

CREATE UNIQUE INDEX members_role_key ON members (workspace_id, account_id, role);
CREATE UNIQUE INDEX members_one_owner ON members (workspace_id) WHERE role = 'owner';

CREATE TABLE workspaces_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data_studio BIGINT NOT NULL DEFAULT 0,
    toggles_admin TEXT NOT NULL,
    toggles_developer TEXT NOT NULL,
    toggles_version BIGINT NOT NULL DEFAULT 0,
    join_token_hash TEXT UNIQUE,
    -- The Owner: a member row whose role is 'owner' (checked at commit, so
    -- a transfer may demote and promote in one transaction).
    owner_id BIGINT NOT NULL,
    owner_role TEXT NOT NULL DEFAULT 'owner' CHECK (owner_role = 'owner'),
    -- Increased by every write that changes what this workspace's decisions read.
    version BIGINT NOT NULL DEFAULT 0,
    FOREIGN KEY (id, owner_id, owner_role) REFERENCES members (workspace_id, account_id, role)
        DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO workspaces_new (id, company_id, name, data_studio, toggles_admin, toggles_developer,
                            toggles_version, join_token_hash, owner_id, owner_role, version)
SELECT w.id, w.company_id, w.name, w.data_studio, w.toggles_admin, w.toggles_developer,
       w.toggles_version, w.join_token_hash,
       (SELECT m.account_id FROM members m WHERE m.workspace_id = w.id AND m.role = 'owner'
        ORDER BY m.joined_at, m.account_id LIMIT 1),
       'owner', 0
FROM workspaces w;
DROP TABLE workspaces;
ALTER TABLE workspaces_new RENAME TO workspaces;
CREATE INDEX workspaces_company ON workspaces (company_id);

-- Sort key of the Users page (the account's name, lowercased), so a page is
-- an index range, not a sort of every member.
ALTER TABLE members ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE members SET name_key = (SELECT lower(a.name) FROM accounts a WHERE a.id = members.account_id);
CREATE INDEX members_page ON members (workspace_id, name_key, account_id);
CREATE INDEX members_partner ON members (partner_company_id);

-- Each access-changing write records what it changed, under the version it
-- made, in its own transaction. `kind` names a record type of the policy's
-- facts; `subject`/`detail` are its key.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    subject BIGINT NOT NULL,
    detail BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL
);
CREATE INDEX changes_version ON changes (workspace_id, version);
CREATE INDEX changes_at ON changes (at);

-- Emails written with the change that causes them, sent after commit.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    claimed_at BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0
);

-- One live (non-deleted) grant per client; emails unique ignoring case.
CREATE UNIQUE INDEX grants_one_live_partner ON grants (client_company_id) WHERE revoked = 0;
CREATE UNIQUE INDEX accounts_email_nocase ON accounts (lower(email));

-- Foreign keys followed by deletions and loads.
CREATE INDEX group_members_account ON group_members (account_id);
CREATE INDEX resource_groups_group ON resource_groups (group_id);
CREATE INDEX flow_components_job ON flow_components (job_id);
CREATE INDEX resources_integration ON resources (integration_id);
CREATE INDEX groups_workspace ON groups (workspace_id);
CREATE INDEX grant_workspaces_workspace ON grant_workspaces (workspace_id);
CREATE INDEX grants_partner ON grants (partner_company_id);
CREATE INDEX company_members_account ON company_members (account_id);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX audit_workspace_id ON audit (workspace_id, id);
CREATE INDEX audit_company_id ON audit (company_id, id);

