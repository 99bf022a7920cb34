-- Signed checkpoints of the audit chain: (seq, hash, time) every 10,000
-- events or 10 minutes, each a JWS by the current signing key. They also
-- go to the log streams, so deleting the newest events together with the
-- head is still found against the last checkpoint kept elsewhere.
CREATE TABLE audit_checkpoints (
    seq   BIGINT PRIMARY KEY,
    hash  TEXT NOT NULL,
    at    BIGINT NOT NULL,
    token TEXT NOT NULL
);

-- Retention removes a whole prefix of the chain and records where it
-- ended, so what remains still verifies from there.
ALTER TABLE audit_head ADD COLUMN pruned_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN pruned_hash TEXT NOT NULL DEFAULT '';
