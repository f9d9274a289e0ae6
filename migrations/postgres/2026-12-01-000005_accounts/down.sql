ALTER TABLE users DROP COLUMN token_generation;
ALTER TABLE users DROP COLUMN disabled;
