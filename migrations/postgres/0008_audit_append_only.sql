-- The audit log is append-only: no statement edits an event, and only the
-- retention path, which opens the gate inside its own transaction, removes
-- any (a prefix of the chain, recorded as the pruned head).
CREATE TABLE audit_prune_gate (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    open INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_prune_gate (id, open) VALUES (1, 0);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (SELECT open FROM audit_prune_gate WHERE id = 1) = 1 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- TRUNCATE skips row triggers.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
