DROP INDEX articles_sitemap;
ALTER TABLE api_keys DROP COLUMN policy;
DROP TABLE article_changes;
DROP TABLE article_corrections;
