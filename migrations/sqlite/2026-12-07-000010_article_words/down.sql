DROP TRIGGER article_words_update;
DROP TRIGGER article_words_delete;
DROP TRIGGER article_words_insert;
DROP TABLE article_words;
