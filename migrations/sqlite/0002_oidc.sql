-- OpenID Connect provider: signing keys, APIs, grants, codes, refresh tokens.

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    -- next: published, not yet signing; current: signing; previous: published
    -- for verification only; retired: gone from the JWKS.
    state           TEXT NOT NULL,
    private_sealed  TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    activated_at    BIGINT NOT NULL DEFAULT 0,
    deactivated_at  BIGINT NOT NULL DEFAULT 0,
    retired_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signing_keys_by_state ON signing_keys (state, alg);
-- At most one signing and one upcoming key per algorithm, even when several
-- instances start at once.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (alg) WHERE state = 'current';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (alg) WHERE state = 'next';

CREATE TABLE apis (
    id                   TEXT PRIMARY KEY,
    identifier           TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    signing_alg          TEXT NOT NULL DEFAULT 'ES256',
    token_lifetime_secs  BIGINT NOT NULL DEFAULT 86400,
    permissions          TEXT NOT NULL DEFAULT '[]',
    builtin              BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE api_clients (
    api_id     TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES applications(client_id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (api_id, client_id)
);

ALTER TABLE applications ADD COLUMN id_token_lifetime_secs BIGINT NOT NULL DEFAULT 36000;
ALTER TABLE applications ADD COLUMN refresh_tokens BIGINT NOT NULL DEFAULT 1;
ALTER TABLE applications ADD COLUMN refresh_rotation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE applications ADD COLUMN refresh_lifetime_secs BIGINT NOT NULL DEFAULT 2592000;
ALTER TABLE applications ADD COLUMN signing_alg TEXT NOT NULL DEFAULT 'ES256';

-- One grant per successful authorization; every token issued from it carries
-- its id, so revoking the grant (code replay, refresh reuse, RFC 7009)
-- invalidates the whole family at once.
CREATE TABLE grants (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    user_id     TEXT,
    scope       TEXT NOT NULL DEFAULT '',
    audience    TEXT,
    auth_time   BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX grants_by_user ON grants (user_id);

CREATE TABLE authorization_codes (
    code_hash       TEXT PRIMARY KEY,
    grant_id        TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    audience        TEXT,
    nonce           TEXT,
    code_challenge  TEXT,
    auth_time       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE refresh_tokens (
    token_hash   TEXT PRIMARY KEY,
    grant_id     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    rotated_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refresh_by_grant ON refresh_tokens (grant_id);
