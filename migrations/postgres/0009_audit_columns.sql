-- Audit events get columns to filter on, and the names of who and what as
-- they were at the time (a deleted user's events still read well). Events
-- written from now on hash these too (hash_v 2); earlier ones keep their
-- version-1 hash and empty columns, so the chain still verifies.
ALTER TABLE audit_events ADD COLUMN hash_v INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN actor_type TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN target_type TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN target_name TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN impersonation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success';
ALTER TABLE audit_events ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN ticket TEXT NOT NULL DEFAULT '';

CREATE INDEX audit_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_by_client ON audit_events (client_id, seq);
CREATE INDEX audit_by_impersonation ON audit_events (impersonation_id, seq);
CREATE INDEX audit_by_at ON audit_events (at, seq);
