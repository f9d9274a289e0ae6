-- Which articles each stem of a term vector is in, so related news can walk
-- the newest articles of a key word down an index and stop after a few
-- (see newsdesk_domain::related::key_words). The full-text GIN index could
-- not: it has no order, so every match was read to find the newest, a
-- thousand heap rows for a word common in old articles. Derived from
-- article_vectors by a trigger, as search_vector is generated from the
-- text: every write, import and restore keeps it in step, and a backup
-- need not hold it.
CREATE TABLE article_words (
    stem TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (stem, article_id)
);

-- Rewrites and deletes find an article's rows by it.
CREATE INDEX article_words_article ON article_words (article_id);

-- A vector is `stem|surface|count` entries separated by spaces.
CREATE FUNCTION article_words_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM article_words WHERE article_id = OLD.article_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO article_words (stem, article_id)
        SELECT DISTINCT split_part(e, '|', 1), NEW.article_id
        FROM unnest(string_to_array(NEW.term_vector, ' ')) e
        WHERE split_part(e, '|', 1) <> ''
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER article_words_sync AFTER INSERT OR UPDATE OR DELETE ON article_vectors
    FOR EACH ROW EXECUTE FUNCTION article_words_sync();

INSERT INTO article_words (stem, article_id)
SELECT DISTINCT split_part(e, '|', 1), v.article_id
FROM article_vectors v, unnest(string_to_array(v.term_vector, ' ')) e
WHERE split_part(e, '|', 1) <> '';

-- related_candidates (migration 000004) takes the key words' stems and
-- walks article_words for the newest published articles of each. Whether
-- an article is published is asked row by row as the walk goes, of the
-- covering index articles_summary (ArticleSummary::is_public_at's test): as
-- a join, the planner merged the word's entries with every published
-- article, newest first, 20,000 index entries a word instead of 30.
DROP FUNCTION related_candidates(bigint[], bigint, bigint[], text, timestamp, bigint, bigint, bigint, bigint[]);

CREATE FUNCTION related_candidates(
    tag_ids bigint[], article bigint, per_tag bigint[], stems text[], now timestamp,
    from_text bigint, section bigint, from_section bigint, own_terms bigint[])
RETURNS TABLE (id bigint, status text, section_id bigint, published_at timestamp,
               created_at timestamp, term_vector text, shared_terms bigint[])
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH text_matches AS (
    SELECT x.id FROM unnest(stems) AS k(stem)
    CROSS JOIN LATERAL (SELECT w.article_id AS id FROM article_words w
        WHERE w.stem = k.stem AND (SELECT p.status = 'published' AND p.published_at <= now
            FROM articles p WHERE p.id = w.article_id)
        ORDER BY w.article_id DESC LIMIT from_text) x),
ids AS (
    SELECT x.article_id AS id FROM unnest(tag_ids, per_tag) AS t(id, n)
    CROSS JOIN LATERAL (SELECT l.article_id FROM article_terms l
        WHERE l.term_id = t.id AND l.article_id <> article
        ORDER BY l.article_id DESC LIMIT t.n) x
    UNION (SELECT DISTINCT m.id FROM text_matches m ORDER BY m.id DESC LIMIT from_text)
    UNION (SELECT s.id FROM articles s WHERE s.section_id = section AND s.id <> article
        AND s.status = 'published' AND s.sort_at <= now
        ORDER BY s.sort_at DESC, s.id DESC LIMIT from_section)
    UNION SELECT article)
SELECT a.id, a.status, a.section_id, a.published_at, a.created_at, v.term_vector,
    ARRAY(SELECT s.term_id FROM article_terms s
        WHERE s.article_id = a.id AND s.term_id = ANY(own_terms))
FROM ids JOIN articles a ON a.id = ids.id
LEFT JOIN article_vectors v ON v.article_id = a.id;
END
$fn$;

-- Statistics now rather than at autovacuum's leisure: the first plans of
-- related_candidates see four rows in a hundred articles' place otherwise.
ANALYZE article_words;
