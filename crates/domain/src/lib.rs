//! newsdesk-domain: the newsroom's model and rules, with no I/O.
//!
//! What lives here: the content types (articles, tags, sections, authors),
//! the newtypes that validate input once (`Slug`, `PageLimit`, `Cursor`), the
//! body pipeline (markdown/html/text to sanitised HTML and plain text), query
//! specifications, the storage trait the persistence crate implements, and the
//! services that REST and GraphQL both call. What does not: SQL, HTTP, JSON
//! shapes of a particular transport.

pub mod article;
pub mod body;
pub mod clock;
pub mod comment;
pub mod editorial;
pub mod error;
pub mod events;
pub mod generate;
pub mod import;
pub mod paging;
pub mod policy;
pub mod query;
pub mod related;
pub mod search;
pub mod service;
pub mod slug;
pub mod store;
pub mod term;
pub mod text;
pub mod topics;
pub mod user;
pub mod views;

pub use service::accounts;

pub use article::{ArticleInput, ArticleRecord, ArticleStatus, ArticleView, ArticleWrite};
pub use error::{DomainError, FieldError};
pub use paging::{Cursor, Page, PageLimit};
pub use query::{ArticleFilter, ArticleQuery, RawArticleFilter, Visibility};
pub use slug::Slug;
pub use store::{
    AccountStore, ArticleStore, ClusterStore, ContentStore, DiscoveryStore, EngagementStore,
    EventStore, Storage, SyndicationStore, TermStore,
};
pub use term::{Term, TermKind, TermRef, TermView};
pub use user::{Principal, Role, Staff};
