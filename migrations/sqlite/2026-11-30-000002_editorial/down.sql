DROP TABLE api_keys;
DROP TABLE article_revisions;
ALTER TABLE articles DROP COLUMN created_by;
ALTER TABLE articles DROP COLUMN version;
DROP TABLE users;
