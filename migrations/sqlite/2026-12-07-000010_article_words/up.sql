-- Which articles each stem of a term vector is in, so related news can walk
-- the newest articles of a key word down an index and stop after a few
-- (see newsdesk_domain::related::key_words). Derived from article_vectors
-- by triggers, as articles_fts is from articles: every write, import and
-- restore keeps it in step, and a backup need not hold it.
CREATE TABLE article_words (
    stem TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (stem, article_id)
) WITHOUT ROWID;

-- Rewrites and deletes find an article's rows by it.
CREATE INDEX article_words_article ON article_words (article_id);

-- A vector is `stem|surface|count` entries separated by spaces, of letters
-- and digits only (newsdesk_domain::text::words), so it reads as a JSON
-- array once the spaces become `","`.
CREATE TRIGGER article_words_insert AFTER INSERT ON article_vectors BEGIN
    INSERT OR IGNORE INTO article_words (stem, article_id)
    SELECT substr(e.value, 1, instr(e.value, '|') - 1), new.article_id
    FROM json_each('["' || replace(new.term_vector, ' ', '","') || '"]') e
    WHERE instr(e.value, '|') > 1;
END;

CREATE TRIGGER article_words_delete AFTER DELETE ON article_vectors BEGIN
    DELETE FROM article_words WHERE article_id = old.article_id;
END;

CREATE TRIGGER article_words_update AFTER UPDATE ON article_vectors BEGIN
    DELETE FROM article_words WHERE article_id = old.article_id;
    INSERT OR IGNORE INTO article_words (stem, article_id)
    SELECT substr(e.value, 1, instr(e.value, '|') - 1), new.article_id
    FROM json_each('["' || replace(new.term_vector, ' ', '","') || '"]') e
    WHERE instr(e.value, '|') > 1;
END;

INSERT OR IGNORE INTO article_words (stem, article_id)
SELECT substr(e.value, 1, instr(e.value, '|') - 1), v.article_id
FROM article_vectors v, json_each('["' || replace(v.term_vector, ' ', '","') || '"]') e
WHERE instr(e.value, '|') > 1;
