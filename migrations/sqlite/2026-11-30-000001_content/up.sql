-- Tags, sections and author profiles share one shape and one table; `kind`
-- tells them apart. `email` is only ever set for authors and never served.
CREATE TABLE terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('tag', 'section', 'author')),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, slug)
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT,
    excerpt TEXT NOT NULL,
    body_source TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    section_id BIGINT REFERENCES terms (id) ON DELETE SET NULL,
    published_at TIMESTAMP,
    -- published_at, or created_at for an article never published: the
    -- newest-first order and keyset cursors run on (sort_at, id).
    sort_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    canonical_url TEXT,
    image_url TEXT,
    image_alt TEXT,
    image_caption TEXT,
    source_name TEXT,
    source_url TEXT,
    language TEXT NOT NULL,
    word_count INTEGER NOT NULL,
    reading_time_minutes INTEGER NOT NULL,
    contact_email TEXT
);

-- Public lists: status = 'published' AND sort_at <= now, newest first.
CREATE INDEX articles_status_sort ON articles (status, sort_at DESC, id DESC);
-- Staff lists and keyset paging across statuses.
CREATE INDEX articles_sort ON articles (sort_at DESC, id DESC);
CREATE INDEX articles_section_sort ON articles (section_id, sort_at DESC, id DESC);

-- Tags and authors of an article, in the order the editor gave them.
CREATE TABLE article_terms (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    term_id BIGINT NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, term_id)
);
-- Filtering a list by tag or author, and counting a term's articles.
CREATE INDEX article_terms_term ON article_terms (term_id, article_id);
