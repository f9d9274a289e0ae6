//! `Subscription`, over WebSocket (`graphql-transport-ws`): the live
//! events of this node's outbox pump, as GraphQL types.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::{Context, Data, MergedSubscription, Result, Subscription};
use async_graphql_actix_web::GraphQLSubscription;
use futures_util::stream::{self, Stream};
use newsdesk_domain::events::EventKind;
use tokio::sync::broadcast::error::RecvError;

use super::article::Article;
use super::{cached, loaders, state, NewsdeskSchema};
use crate::auth::{ClientAddr, PartnerPolicy};
use crate::push::LiveEvent;
use crate::state::AppState;

#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(ArticleSubscription, MostReadSubscription);

#[derive(Default)]
pub struct ArticleSubscription;

#[Subscription]
impl ArticleSubscription {
    /// Articles as they go public (scheduled ones when their time comes),
    /// narrowed to a section and a tag (slugs) when given. A subscriber
    /// that falls far behind is ended, and so is every one at shutdown.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        section: Option<String>,
        tag: Option<String>,
    ) -> Result<impl Stream<Item = Article>> {
        let state = state(ctx)?.clone();
        let live = state.push.subscribe();
        let closing = state.push.closing();
        let wanted = move |e: &LiveEvent| {
            e.kind == EventKind::ArticlePublished && e.matches(section.as_deref(), tag.as_deref())
        };
        Ok(stream::unfold(
            (live, closing, state),
            move |(mut live, mut closing, state)| {
                let wanted = wanted.clone();
                async move {
                    loop {
                        let got = tokio::select! {
                            got = live.recv() => got,
                            _ = closing.wait_for(|c| *c) => return None,
                        };
                        match got {
                            Ok(e) if wanted(&e) => {
                                let Some(record) = e.record.clone() else {
                                    continue;
                                };
                                let article = Article::new(record, state.now());
                                return Some((article, (live, closing, state)));
                            }
                            Ok(_) => continue,
                            Err(RecvError::Lagged(_) | RecvError::Closed) => return None,
                        }
                    }
                }
            },
        ))
    }
}

#[Subscription]
impl MostReadSubscription {
    /// The most-read list of `window` (`1h`, `24h`, `7d`): now, then each
    /// time it changes, at most every 10 s.
    async fn most_read_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "24h")] window: String,
    ) -> Result<impl Stream<Item = Vec<super::engagement::MostRead>>> {
        let window =
            newsdesk_domain::views::Window::parse(Some(&window)).map_err(super::domain_error)?;
        let state = state(ctx)?.clone();
        super::engagement::most_read_changes(state, window)
            .await
            .ok_or_else(|| "no such window".into())
    }
}

#[derive(Default)]
pub struct MostReadSubscription;

/// Upgrades `GET /graphql` with `Upgrade: websocket` to a subscription
/// connection, counted against the node's limit on live connections. A
/// subscriber reads as the public: the loaders of each field come with
/// the connection.
pub async fn websocket(
    schema: web::Data<NewsdeskSchema>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let slot = state.push.admit_or_busy()?;
    let st = state.get_ref().clone();
    let mut data = Data::default();
    data.insert(Arc::new(slot));
    data.insert(newsdesk_domain::Principal::Anonymous);
    data.insert(PartnerPolicy(None));
    data.insert(ClientAddr(crate::rest::accounts::client_addr(&req)));
    data.insert(cached(loaders::ArticleTerms(st.clone())));
    data.insert(cached(loaders::Sections(st.clone())));
    data.insert(cached(loaders::Corrections(st.clone())));
    data.insert(cached(loaders::ViewCounts(st.clone())));
    data.insert(cached(loaders::TermCounts(
        st,
        newsdesk_domain::Principal::Anonymous,
        PartnerPolicy(None),
    )));
    GraphQLSubscription::new(schema.get_ref().clone())
        .with_data(data)
        .start(&req, payload)
}
