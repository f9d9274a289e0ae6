-- related_candidates returns the candidates' ids (with the subject's terms
-- each shares), no longer their summaries and term vectors: the server
-- keeps those in memory (Store::summaries), and joining two more tables a
-- candidate was most of the function's work, three index descents a row
-- for a hundred rows. Ids of articles that do not exist (an unsaved
-- draft's 0) come back too, and find no summary.
DROP FUNCTION related_candidates(bigint[], bigint, bigint[], text[], timestamp, bigint, bigint, bigint, bigint[]);

CREATE FUNCTION related_candidates(
    tag_ids bigint[], article bigint, per_tag bigint[], stems text[], now timestamp,
    from_text bigint, section bigint, from_section bigint, own_terms bigint[])
RETURNS TABLE (id bigint, shared_terms bigint[])
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
SELECT ids.id, ARRAY(SELECT s.term_id FROM article_terms s
        WHERE s.article_id = ids.id AND s.term_id = ANY(own_terms))
FROM ids;
END
$fn$;
