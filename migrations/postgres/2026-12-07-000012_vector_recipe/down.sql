DROP INDEX article_vectors_recipe;

ALTER TABLE article_vectors DROP COLUMN recipe;
