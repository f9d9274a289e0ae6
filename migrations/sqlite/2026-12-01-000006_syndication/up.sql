-- Corrections appended by editors: public, dated, never edited.
CREATE TABLE article_corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id, id);

-- The change log partners sync from: a row for every change to an
-- article, written in the transaction that makes the change, in the order
-- the changes commit (`seq`). No foreign key: a deleted article's rows
-- stay, as tombstones. `due_at` is set when the write scheduled the
-- article: the time it goes public by itself, which sync also watches.
CREATE TABLE article_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL,
    slug TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'corrected', 'deleted')),
    changed_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP
);
CREATE INDEX article_changes_due ON article_changes (due_at) WHERE due_at IS NOT NULL;

-- A partner key's syndication policy, as JSON; NULL is everything public.
ALTER TABLE api_keys ADD COLUMN policy TEXT;

-- Sitemaps read every public article's id, slug, URL and update time:
-- from this index alone, never the wide rows with their bodies.
CREATE INDEX articles_sitemap ON articles (status, id, sort_at, updated_at, slug, canonical_url);
