-- The head of the audit chain follows each appended event inside the same
-- transaction, so appending costs two statements instead of three.
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_events
BEGIN
    UPDATE audit_head SET last_hash = NEW.hash WHERE id = 1;
END;

-- The grants of an impersonation: looked up when its tokens are recorded
-- and when it is revoked (a full scan of grants before).
CREATE INDEX grants_by_impersonation ON grants (impersonation_id);
