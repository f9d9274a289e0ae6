-- Nothing changes on SQLite (PostgreSQL's related_candidates function
-- changed): the migration keeps both backends at one schema version, which
-- backup and restore compare.
SELECT 1;
