-- The audit log is append-only: no statement edits an event, and only the
-- retention path, which opens the gate inside its own transaction, removes
-- any (a prefix of the chain, recorded as the pruned head).
CREATE TABLE audit_prune_gate (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_prune_gate (id, open) VALUES (1, 0);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    WHEN (SELECT open FROM audit_prune_gate WHERE id = 1) = 0
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
