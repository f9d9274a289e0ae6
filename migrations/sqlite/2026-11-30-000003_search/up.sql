-- Full-text index over the article text, kept in step with `articles` by
-- triggers on every insert, update and delete (imports included). Porter
-- stemming: "floods" finds "flooding". Columns are weighted at query time.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, subtitle, excerpt, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body_text)
SELECT id, title, coalesce(subtitle, ''), excerpt, body_text FROM articles;

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body_text)
    VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.excerpt, new.body_text);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body_text)
    VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.excerpt, old.body_text);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, excerpt, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, excerpt, body_text)
    VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.excerpt, old.body_text);
    INSERT INTO articles_fts (rowid, title, subtitle, excerpt, body_text)
    VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.excerpt, new.body_text);
END;

-- The most frequent words of each article (see newsdesk_domain::text::term_vector),
-- written with the article, read by related news. A table of its own keeps
-- it out of the wide article rows: on SQLite a column after the bodies lives
-- on overflow pages, and ranking reads hundreds of candidates a request.
CREATE TABLE article_vectors (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    term_vector TEXT NOT NULL
);

-- Candidate summaries (status, section, dates) straight from an index, for
-- the same reason.
CREATE INDEX articles_summary ON articles (id, status, section_id, published_at, created_at);
