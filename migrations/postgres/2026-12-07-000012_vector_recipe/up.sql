-- Which recipe made each term vector (newsdesk_domain::text::VECTOR_RECIPE).
-- Vectors already stored were made by the first; on start the server makes
-- those of an older recipe again, newest first, found through the index.
ALTER TABLE article_vectors ADD COLUMN recipe INTEGER NOT NULL DEFAULT 1;

CREATE INDEX article_vectors_recipe ON article_vectors (recipe, article_id);
