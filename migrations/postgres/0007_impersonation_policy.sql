-- Who may impersonate whom (issue 12). Keep in step with the other
-- database's copy.

-- Protected users are never impersonated (administrators always are).
ALTER TABLE users ADD COLUMN protected BIGINT NOT NULL DEFAULT 0;

-- When the password was last entered in this console session (sign-in or
-- step-up), for minting under the step-up setting.
ALTER TABLE console_sessions ADD COLUMN reauth_at BIGINT NOT NULL DEFAULT 0;
UPDATE console_sessions SET reauth_at = created_at;

-- Read-only impersonation, and the approved request a link came from.
ALTER TABLE impersonations ADD COLUMN mode TEXT NOT NULL DEFAULT 'full';
ALTER TABLE impersonations ADD COLUMN request_id TEXT;

-- Four-eyes approval: a request instead of a link, decided by someone else.
CREATE TABLE impersonation_requests (
    id              TEXT PRIMARY KEY,
    actor_id        TEXT NOT NULL,
    actor_email     TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    target_email    TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    -- The role whose rule asked for approval.
    role_id         TEXT NOT NULL DEFAULT '',
    -- The link as asked for (JSON of LinkRequest), minted as such once approved.
    link            TEXT NOT NULL,
    mode            TEXT NOT NULL DEFAULT 'full',
    -- pending, approved, rejected, used
    status          TEXT NOT NULL DEFAULT 'pending',
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT NOT NULL DEFAULT 0,
    decided_by      TEXT,
    decision_note   TEXT NOT NULL DEFAULT '',
    approved_until  BIGINT NOT NULL DEFAULT 0,
    used_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX impersonation_requests_by_status ON impersonation_requests (status, created_at);
CREATE INDEX impersonation_requests_by_actor ON impersonation_requests (actor_id, created_at);
