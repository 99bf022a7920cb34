-- Word-prefix search over users: one row per searchable word (name words,
-- email, email local-part pieces, domain, id). Prefix ranges on `term` use
-- the primary key, so search stays fast at any size. "C" collation makes the
-- range comparisons byte-wise, as in SQLite.
CREATE TABLE user_search (
    term     TEXT COLLATE "C" NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (term, user_id)
);
CREATE INDEX user_search_by_user ON user_search (user_id);

-- Counting blocked (or active) users without a table scan.
CREATE INDEX users_by_blocked ON users (blocked, email_lc);
