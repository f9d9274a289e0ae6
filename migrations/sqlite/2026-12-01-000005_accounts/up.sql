-- Accounts that can be managed: a disabled account cannot log in and its
-- tokens are refused; a token carries the generation it was issued in, and
-- a password change bumps it, so older tokens stop working at once.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
