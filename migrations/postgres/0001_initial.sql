-- Masquerade schema (PostgreSQL). Keep in step with migrations/sqlite.
-- Times are Unix seconds (BIGINT); JSON is stored as TEXT; flags are BIGINT 0/1
-- (sqlx's Any driver cannot decode SQLite booleans, and one type keeps one code path).

CREATE TABLE connections (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    strategy    TEXT NOT NULL DEFAULT 'database',
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    email_lc       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    name_lc        TEXT NOT NULL DEFAULT '',
    picture        TEXT,
    connection_id  TEXT NOT NULL REFERENCES connections(id),
    password_hash  TEXT,
    blocked        BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    last_login_at  BIGINT NOT NULL DEFAULT 0,
    login_count    BIGINT NOT NULL DEFAULT 0,
    app_metadata   TEXT NOT NULL DEFAULT '{}',
    user_metadata  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX users_by_name ON users (name_lc, id);
CREATE INDEX users_by_created ON users (created_at, id);
CREATE INDEX users_by_last_login ON users (last_login_at, id);
CREATE INDEX users_by_connection ON users (connection_id, email_lc);

CREATE TABLE roles (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    builtin      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE applications (
    client_id            TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    app_type             TEXT NOT NULL,
    client_secret_hash   TEXT,
    secret_rotated_at    BIGINT,
    callback_urls        TEXT NOT NULL DEFAULT '[]',
    allowed_logout_urls  TEXT NOT NULL DEFAULT '[]',
    allowed_web_origins  TEXT NOT NULL DEFAULT '[]',
    initiate_login_uri   TEXT,
    grant_types          TEXT NOT NULL DEFAULT '[]',
    allow_impersonation  BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE application_connections (
    client_id      TEXT NOT NULL REFERENCES applications(client_id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    PRIMARY KEY (client_id, connection_id)
);

CREATE TABLE console_sessions (
    id_hash          TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       BIGINT NOT NULL,
    last_seen_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    ip               TEXT NOT NULL DEFAULT '',
    user_agent       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

CREATE TABLE login_throttle (
    throttle_key   TEXT PRIMARY KEY,
    window_start   BIGINT NOT NULL,
    failures       BIGINT NOT NULL,
    locked_until   BIGINT NOT NULL DEFAULT 0
);

-- Append-only, hash-chained audit log. audit_head serialises appends so that
-- every event's prev_hash is the hash of the event before it, across instances.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '');

CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    at          BIGINT NOT NULL,
    event_type  TEXT NOT NULL,
    actor_id    TEXT,
    target_id   TEXT,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_by_target ON audit_events (target_id, seq);
CREATE INDEX audit_by_type ON audit_events (event_type, seq);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
