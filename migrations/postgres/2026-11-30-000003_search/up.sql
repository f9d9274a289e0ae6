-- Full-text index over the article text: a generated tsvector (so every
-- write and import keeps it in step) with a GIN index, weighted title A,
-- subtitle B, excerpt C, body D, English stemming.
ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(subtitle, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(excerpt, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(body_text, '')), 'D')
) STORED;

CREATE INDEX articles_search ON articles USING GIN (search_vector);

-- The most frequent words of each article (see newsdesk_domain::text::term_vector),
-- written with the article, read by related news.
ALTER TABLE articles ADD COLUMN term_vector TEXT NOT NULL DEFAULT '';
