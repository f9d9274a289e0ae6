-- Corrections are rare: the count lets a read skip asking for them.
ALTER TABLE articles ADD COLUMN correction_count INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET correction_count =
    (SELECT COUNT(*) FROM article_corrections c WHERE c.article_id = articles.id);
