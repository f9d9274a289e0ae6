DROP INDEX articles_summary;
DROP TABLE article_vectors;
DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search_vector;
