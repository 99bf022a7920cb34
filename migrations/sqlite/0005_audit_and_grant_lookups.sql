-- The head of the audit chain follows the appended events inside the same
-- transaction, so appending costs two statements instead of three. Several
-- events may be inserted by one statement after their sequence numbers were
-- reserved: only the last of them (seq equal to the head's) moves the head.
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_events
BEGIN
    UPDATE audit_head SET last_hash = NEW.hash WHERE id = 1 AND seq = NEW.seq;
END;

-- The grants of an impersonation: looked up when its tokens are recorded
-- and when it is revoked (a full scan of grants before).
CREATE INDEX grants_by_impersonation ON grants (impersonation_id);
