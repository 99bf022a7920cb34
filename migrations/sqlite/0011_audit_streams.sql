-- Delivery of the audit log to other systems: per stream, the last event
-- delivered (an outbox cursor, so delivery is at-least-once across restarts
-- and instances), when to try again, and why it last failed. A lease lets
-- one instance deliver a stream at a time.
CREATE TABLE audit_stream_state (
    stream_id      TEXT PRIMARY KEY,
    delivered_seq  BIGINT NOT NULL DEFAULT 0,
    delivered_at   BIGINT NOT NULL DEFAULT 0,
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    failing_since  BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    paused         BIGINT NOT NULL DEFAULT 0,
    lease_until    BIGINT NOT NULL DEFAULT 0
);
