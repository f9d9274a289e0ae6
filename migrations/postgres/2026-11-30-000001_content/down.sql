DROP TABLE article_terms;
DROP TABLE articles;
DROP TABLE terms;
