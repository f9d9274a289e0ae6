ALTER TABLE articles DROP COLUMN term_vector;
DROP INDEX articles_search;
ALTER TABLE articles DROP COLUMN search_vector;
