DROP FUNCTION related_candidates(bigint[], bigint, bigint[], text[], timestamp, bigint, bigint, bigint, bigint[]);

CREATE FUNCTION related_candidates(
    tag_ids bigint[], article bigint, per_tag bigint[], words text, now timestamp,
    from_text bigint, section bigint, from_section bigint, own_terms bigint[])
RETURNS TABLE (id bigint, status text, section_id bigint, published_at timestamp,
               created_at timestamp, term_vector text, shared_terms bigint[])
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH text_matches AS MATERIALIZED (
    SELECT a.id, a.status, a.sort_at FROM articles a
    WHERE words <> '' AND a.search_vector @@ websearch_to_tsquery('english', words)
    LIMIT 1000),
ids AS (
    SELECT x.article_id AS id FROM unnest(tag_ids, per_tag) AS t(id, n)
    CROSS JOIN LATERAL (SELECT l.article_id FROM article_terms l
        WHERE l.term_id = t.id AND l.article_id <> article
        ORDER BY l.article_id DESC LIMIT t.n) x
    UNION (SELECT m.id FROM text_matches m WHERE m.status = 'published' AND m.sort_at <= now
        ORDER BY m.id DESC LIMIT from_text)
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

DROP TRIGGER article_words_sync ON article_vectors;
DROP FUNCTION article_words_sync();
DROP TABLE article_words;
