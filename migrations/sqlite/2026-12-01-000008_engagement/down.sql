DROP TABLE page_views;
ALTER TABLE article_changes DROP COLUMN comment_id;
ALTER TABLE articles DROP COLUMN comment_count;
ALTER TABLE articles DROP COLUMN comments_closed;
DROP TABLE comments;
