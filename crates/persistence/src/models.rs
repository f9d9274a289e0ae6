//! Row types: what diesel reads and writes, and their conversion to and from
//! the domain's types. `*Row` is read, `New*`/`*Changes` is written.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use newsdesk_domain::article::{ArticleRecord, ArticleStatus, ArticleWrite, Image, Source};
use newsdesk_domain::body::BodyFormat;
use newsdesk_domain::policy::Policy;
use newsdesk_domain::store::{Change, ChangeKind, RevisionRecord};
use newsdesk_domain::term::{Term, TermKind};
use newsdesk_domain::user::{ApiKey, Role, User};

use crate::schema::{
    api_keys, article_changes, article_corrections, article_revisions, article_terms, articles,
    terms, users,
};

pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn kind_str(kind: TermKind) -> &'static str {
    kind.noun()
}

pub fn parse_kind(s: &str) -> Option<TermKind> {
    [TermKind::Tag, TermKind::Section, TermKind::Author]
        .into_iter()
        .find(|k| k.noun() == s)
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = terms)]
pub struct TermRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

impl From<TermRow> for Term {
    fn from(r: TermRow) -> Term {
        Term {
            id: r.id,
            slug: r.slug,
            name: r.name,
            description: r.description,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = terms)]
pub struct NewTerm<'a> {
    pub kind: &'a str,
    pub slug: &'a str,
    pub name: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body_source: String,
    pub body_format: String,
    pub body_html: String,
    pub body_text: String,
    pub status: String,
    pub section_id: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub sort_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub canonical_url: Option<String>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub contact_email: Option<String>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub comments_closed: bool,
    pub comment_count: i64,
    pub correction_count: i32,
}

/// An article row without its bodies (`ArticleQuery::lean`): lists that
/// show no body do not read the largest columns.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct LeanArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    #[diesel(select_expression = diesel::dsl::sql::<diesel::sql_types::Text>("''"))]
    #[diesel(select_expression_type = diesel::expression::SqlLiteral<diesel::sql_types::Text>)]
    pub body_source: String,
    pub body_format: String,
    #[diesel(select_expression = diesel::dsl::sql::<diesel::sql_types::Text>("''"))]
    #[diesel(select_expression_type = diesel::expression::SqlLiteral<diesel::sql_types::Text>)]
    pub body_html: String,
    #[diesel(select_expression = diesel::dsl::sql::<diesel::sql_types::Text>("''"))]
    #[diesel(select_expression_type = diesel::expression::SqlLiteral<diesel::sql_types::Text>)]
    pub body_text: String,
    pub status: String,
    pub section_id: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub sort_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub canonical_url: Option<String>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub contact_email: Option<String>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub comments_closed: bool,
    pub comment_count: i64,
    pub correction_count: i32,
}

impl From<LeanArticleRow> for ArticleRow {
    fn from(r: LeanArticleRow) -> ArticleRow {
        ArticleRow {
            id: r.id,
            slug: r.slug,
            title: r.title,
            subtitle: r.subtitle,
            excerpt: r.excerpt,
            body_source: r.body_source,
            body_format: r.body_format,
            body_html: r.body_html,
            body_text: r.body_text,
            status: r.status,
            section_id: r.section_id,
            published_at: r.published_at,
            sort_at: r.sort_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            canonical_url: r.canonical_url,
            image_url: r.image_url,
            image_alt: r.image_alt,
            image_caption: r.image_caption,
            source_name: r.source_name,
            source_url: r.source_url,
            language: r.language,
            word_count: r.word_count,
            reading_time_minutes: r.reading_time_minutes,
            contact_email: r.contact_email,
            version: r.version,
            created_by: r.created_by,
            comments_closed: r.comments_closed,
            comment_count: r.comment_count,
            correction_count: r.correction_count,
        }
    }
}

impl From<ArticleRow> for ArticleRecord {
    fn from(r: ArticleRow) -> ArticleRecord {
        ArticleRecord {
            id: r.id,
            slug: r.slug,
            title: r.title,
            subtitle: r.subtitle,
            excerpt: r.excerpt,
            body_source: r.body_source,
            // The columns are written only from these enums, so an unknown
            // value means a hand-edited row: show it as the safest reading.
            body_format: BodyFormat::parse(&r.body_format).unwrap_or(BodyFormat::Text),
            body_html: r.body_html,
            body_text: r.body_text,
            status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
            section_id: r.section_id,
            published_at: r.published_at.map(utc),
            sort_at: utc(r.sort_at),
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
            canonical_url: r.canonical_url,
            image: r.image_url.map(|url| Image {
                url,
                alt: r.image_alt,
                caption: r.image_caption,
            }),
            source: r.source_name.map(|name| Source {
                name,
                url: r.source_url,
            }),
            language: r.language,
            word_count: r.word_count,
            reading_time_minutes: r.reading_time_minutes,
            contact_email: r.contact_email,
            version: r.version,
            created_by: r.created_by,
            comment_count: r.comment_count,
            correction_count: r.correction_count,
            comments_closed: r.comments_closed,
        }
    }
}

/// Every column an article write sets, except `created_at`, which only an
/// insert sets. `None` clears a column.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleChanges<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    pub excerpt: &'a str,
    pub body_source: &'a str,
    pub body_format: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub status: &'a str,
    pub section_id: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub sort_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub canonical_url: Option<&'a str>,
    pub image_url: Option<&'a str>,
    pub image_alt: Option<&'a str>,
    pub image_caption: Option<&'a str>,
    pub source_name: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub language: &'a str,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub contact_email: Option<&'a str>,
}

impl<'a> ArticleChanges<'a> {
    pub fn new(w: &'a ArticleWrite, section_id: Option<i64>, created_at: DateTime<Utc>) -> Self {
        ArticleChanges {
            slug: w.slug.as_str(),
            title: &w.title,
            subtitle: w.subtitle.as_deref(),
            excerpt: &w.excerpt,
            body_source: &w.body_source,
            body_format: w.body_format.as_str(),
            body_html: &w.body_html,
            body_text: &w.body_text,
            status: w.status.as_str(),
            section_id,
            published_at: w.published_at.map(naive),
            sort_at: naive(w.published_at.unwrap_or(created_at)),
            updated_at: naive(w.updated_at),
            canonical_url: w.canonical_url.as_deref(),
            image_url: w.image.as_ref().map(|i| i.url.as_str()),
            image_alt: w.image.as_ref().and_then(|i| i.alt.as_deref()),
            image_caption: w.image.as_ref().and_then(|i| i.caption.as_deref()),
            source_name: w.source.as_ref().map(|s| s.name.as_str()),
            source_url: w.source.as_ref().and_then(|s| s.url.as_deref()),
            language: &w.language,
            word_count: w.word_count,
            reading_time_minutes: w.reading_time_minutes,
            contact_email: w.contact_email.as_deref(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_terms)]
pub struct NewArticleTerm {
    pub article_id: i64,
    pub term_id: i64,
    pub position: i32,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub author_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    pub token_generation: i32,
}

impl UserRow {
    pub fn split(self) -> (User, String) {
        let user = User {
            id: self.id,
            email: self.email,
            // The column has a CHECK constraint; the weakest role is the safe reading.
            role: Role::parse(&self.role).unwrap_or(Role::Author),
            author_id: self.author_id,
            disabled: self.disabled,
            token_generation: self.token_generation,
            created_at: utc(self.created_at),
        };
        (user, self.password_hash)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub author_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    pub version: i32,
    pub snapshot: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

impl From<RevisionRow> for RevisionRecord {
    fn from(r: RevisionRow) -> Self {
        RevisionRecord {
            version: r.version,
            created_at: utc(r.created_at),
            created_by: r.created_by,
            snapshot: r.snapshot,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_revisions)]
pub struct NewRevision {
    pub article_id: i64,
    pub version: i32,
    pub snapshot: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub rate_limit_per_minute: i32,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub policy: Option<String>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            rate_limit_per_minute: r.rate_limit_per_minute,
            created_at: utc(r.created_at),
            revoked_at: r.revoked_at.map(utc),
            // Written by us from a checked policy; a row that does not
            // parse is refused everything rather than given everything.
            policy: r.policy.map(|json| {
                serde_json::from_str(&json).unwrap_or_else(|_| Policy {
                    sections: vec![String::new()],
                    ..Policy::default()
                })
            }),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub rate_limit_per_minute: i32,
    pub created_at: NaiveDateTime,
    pub policy: Option<String>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_corrections)]
pub struct CorrectionRow {
    pub article_id: i64,
    pub text: String,
    pub published_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_corrections)]
pub struct NewCorrection<'a> {
    pub article_id: i64,
    pub text: &'a str,
    pub published_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_changes)]
pub struct ChangeRow {
    pub seq: i64,
    pub article_id: i64,
    pub slug: String,
    pub kind: String,
    pub changed_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
}

impl ChangeRow {
    pub fn into_change(self) -> Option<Change> {
        Some(Change {
            seq: self.seq,
            article_id: self.article_id,
            kind: ChangeKind::parse(&self.kind)?,
            slug: self.slug,
            changed_at: utc(self.changed_at),
            due_at: self.due_at.map(utc),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = article_changes)]
pub struct NewChange<'a> {
    pub article_id: i64,
    pub slug: &'a str,
    pub kind: &'a str,
    pub changed_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub event: Option<&'a str>,
}
