-- Sign in as User: one row per minted link, following it through
-- redemption, token issuance, denial or revocation.

ALTER TABLE grants ADD COLUMN impersonation_id TEXT;
ALTER TABLE authorization_codes ADD COLUMN impersonation_id TEXT;
ALTER TABLE applications ADD COLUMN impersonation_refresh BIGINT NOT NULL DEFAULT 0;

CREATE TABLE impersonations (
    id                  TEXT PRIMARY KEY,
    -- SHA-256 of the 256-bit ticket in the link; the ticket itself is never stored.
    ticket_hash         TEXT NOT NULL UNIQUE,
    actor_id            TEXT NOT NULL,
    actor_email         TEXT NOT NULL,
    target_id           TEXT NOT NULL,
    target_email        TEXT NOT NULL,
    client_id           TEXT NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    ticket_ref          TEXT NOT NULL DEFAULT '',
    response_type       TEXT NOT NULL,
    response_mode       TEXT NOT NULL,
    scope               TEXT NOT NULL,
    state               TEXT NOT NULL,
    audience            TEXT NOT NULL DEFAULT '',
    redirect_uri        TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    redeemed_at         BIGINT NOT NULL DEFAULT 0,
    -- App-initiated mode: the opaque login_hint handed to the application,
    -- by hash, single use.
    hint_hash           TEXT UNIQUE,
    hint_expires_at     BIGINT NOT NULL DEFAULT 0,
    hint_used_at        BIGINT NOT NULL DEFAULT 0,
    -- Absolute end of the impersonated session, fixed at redemption.
    session_expires_at  BIGINT NOT NULL DEFAULT 0,
    grant_id            TEXT,
    tokens_issued_at    BIGINT NOT NULL DEFAULT 0,
    denied_reason       TEXT NOT NULL DEFAULT '',
    revoked_at          BIGINT NOT NULL DEFAULT 0,
    revoked_by          TEXT
);
CREATE INDEX impersonations_by_target ON impersonations (target_id, created_at);
CREATE INDEX impersonations_by_actor ON impersonations (actor_id, created_at);
CREATE INDEX impersonations_by_session_end ON impersonations (session_expires_at);
