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
-- written with the article, read by related news. A table of its own keeps
-- it out of the wide article rows: on SQLite a column after the bodies lives
-- on overflow pages, and ranking reads hundreds of candidates a request.
CREATE TABLE article_vectors (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    term_vector TEXT NOT NULL
);

-- Candidate summaries (status, section, dates) straight from an index, for
-- the same reason.
CREATE INDEX articles_summary ON articles (id, status, section_id, published_at, created_at);
