-- PostgreSQL only (a PL/pgSQL function for related-news candidates); SQLite
-- gathers them with separate in-process queries. Kept so both backends have
-- the same migrations.
SELECT 1;
