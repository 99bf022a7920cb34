-- The audit log's outcome and IP filters had no index: with 1,000,000
-- events every page and its total (exact to 10,000) scanned the log from
-- the newest event until enough matched, up to the whole table for a rare
-- IP or a denied outcome (bench_audit, docs/benchmarks.md).
CREATE INDEX audit_by_outcome ON audit_events (outcome, seq);
CREATE INDEX audit_by_ip ON audit_events (ip, seq);
