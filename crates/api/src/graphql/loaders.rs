//! DataLoaders: each turns the keys one execution step asks for into a
//! single store call (one SQL statement per kind).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use newsdesk_domain::service;
use newsdesk_domain::term::{Term, TermKind};

use crate::graphql::gql_error;
use crate::state::AppState;

/// Tags or authors of an article: key `(kind, article_id)`.
pub struct ArticleTerms(pub AppState);

impl Loader<(TermKind, i64)> for ArticleTerms {
    type Value = Vec<Term>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(TermKind, i64)],
    ) -> Result<HashMap<(TermKind, i64), Vec<Term>>, Self::Error> {
        let mut ids: Vec<i64> = keys.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        self.0
            .run(move |store| service::terms_by_article(store, &ids))
            .await
            .map_err(gql_error)
    }
}

/// Sections by id.
pub struct Sections(pub AppState);

impl Loader<i64> for Sections {
    type Value = Term;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Term>, Self::Error> {
        let keys = keys.to_vec();
        self.0
            .run(move |store| service::sections_by_id(store, &keys))
            .await
            .map_err(gql_error)
    }
}

/// Article counts of terms, as the caller may see them: key `(kind, term_id)`.
pub struct TermCounts(
    pub AppState,
    pub newsdesk_domain::Principal,
    pub crate::auth::PartnerPolicy,
);

impl Loader<(TermKind, i64)> for TermCounts {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(TermKind, i64)],
    ) -> Result<HashMap<(TermKind, i64), i64>, Self::Error> {
        let keys = keys.to_vec();
        let visibility = self.1.visibility_at(self.0.now());
        let partner = self.2.clone();
        self.0
            .run(move |store| service::term_counts(store, &keys, visibility, partner.get()))
            .await
            .map_err(gql_error)
    }
}

/// Corrections of an article, oldest first: key article id.
pub struct Corrections(pub AppState);

impl Loader<i64> for Corrections {
    type Value = Vec<newsdesk_domain::article::Correction>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let keys = keys.to_vec();
        self.0
            .run(move |store| service::corrections_by_article(store, &keys))
            .await
            .map_err(gql_error)
    }
}

/// Every counted view of an article.
pub struct ViewCounts(pub AppState);

impl Loader<i64> for ViewCounts {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, i64>, Self::Error> {
        let keys = keys.to_vec();
        self.0
            .run(move |store| Ok(store.view_counts(&keys)?.into_iter().collect()))
            .await
            .map_err(gql_error)
    }
}
