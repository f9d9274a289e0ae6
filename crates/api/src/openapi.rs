//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::Problem;
use crate::rest::{
    accounts, articles, discovery, engagement, syndication, terms, webhooks, ListMeta,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        accounts::issue_token,
        accounts::list_users,
        accounts::create_user,
        accounts::update_user,
        accounts::delete_user,
        accounts::list_api_keys,
        accounts::create_api_key,
        accounts::revoke_api_key,
        articles::list_articles,
        articles::create_article,
        articles::get_article,
        articles::update_article,
        articles::delete_article,
        articles::publish_article,
        articles::list_revisions,
        discovery::search_articles,
        discovery::related_articles,
        discovery::suggest,
        terms::list_tags,
        terms::get_tag,
        terms::create_tag,
        terms::update_tag,
        terms::delete_tag,
        terms::list_sections,
        terms::get_section,
        terms::create_section,
        terms::update_section,
        terms::delete_section,
        terms::list_authors,
        terms::get_author,
        terms::create_author,
        terms::update_author,
        terms::delete_author,
        syndication::add_correction,
        syndication::sync_articles,
        webhooks::list_webhooks,
        webhooks::create_webhook,
        webhooks::get_webhook,
        webhooks::delete_webhook,
        webhooks::list_deliveries,
        webhooks::redeliver,
        crate::push::stream::stream,
        engagement::list_comments,
        engagement::submit_comment,
        engagement::close_comments,
        engagement::moderation_queue,
        engagement::moderate_comment,
        engagement::record_view,
        engagement::most_read,
    ),
    components(schemas(
        Problem,
        ListMeta,
        articles::ArticleOne,
        articles::ArticleList,
        articles::PublishBody,
        articles::RevisionJson,
        articles::RevisionList,
        terms::TermJson,
        newsdesk_domain::service::SearchResult,
        discovery::SearchList,
        newsdesk_domain::service::RelatedArticle,
        discovery::RelatedList,
        discovery::SuggestionsOne,
        newsdesk_domain::service::Draft,
        newsdesk_domain::service::Suggestions,
        newsdesk_domain::service::TagSuggestion,
        newsdesk_domain::related::Reason,
        newsdesk_domain::related::ReasonKind,
        terms::TermOne,
        terms::TermList,
        accounts::TokenRequest,
        accounts::TokenResponse,
        accounts::NewUserRequest,
        accounts::NewApiKeyRequest,
        accounts::CreatedApiKey,
        accounts::ApiKeyJson,
        accounts::ApiKeyList,
        accounts::UserOne,
        accounts::UserList,
        newsdesk_domain::accounts::UserPatch,
        newsdesk_domain::article::ArticleView,
        newsdesk_domain::article::ArticleInput,
        newsdesk_domain::editorial::TermInput,
        syndication::CorrectionBody,
        syndication::SyncList,
        syndication::SyncMeta,
        newsdesk_domain::service::sync::SyncItem,
        newsdesk_domain::service::sync::Gone,
        newsdesk_domain::article::Correction,
        newsdesk_domain::policy::Policy,
        newsdesk_domain::policy::ContentScope,
        webhooks::NewWebhook,
        webhooks::WebhookOne,
        webhooks::WebhookList,
        webhooks::DeliveryList,
        webhooks::DeliveryOne,
        newsdesk_domain::service::events::WebhookView,
        newsdesk_domain::events::hooks::Delivery,
        newsdesk_domain::events::hooks::DeliveryStatus,
        newsdesk_domain::events::EventKind,
        engagement::CommentList,
        engagement::ModeratedList,
        engagement::CommentOne,
        engagement::CommentsSetting,
        engagement::Moderation,
        engagement::MostReadList,
        newsdesk_domain::comment::CommentInput,
        newsdesk_domain::comment::CommentView,
        newsdesk_domain::comment::CommentStatus,
        newsdesk_domain::service::engagement::ModeratedComment,
        newsdesk_domain::views::MostRead,
    )),
    tags(
        (name = "articles", description = "Articles: published ones for everyone, every status for staff (preview)"),
        (name = "tags", description = "Tags with their article counts"),
        (name = "sections", description = "Sections of the site"),
        (name = "authors", description = "Author profiles (no e-mail addresses)"),
        (name = "discovery", description = "Full-text search and explainable related news"),
        (name = "syndication", description = "For partners: delta sync of everything public"),
        (name = "auth", description = "Staff tokens"),
        (name = "accounts", description = "Staff accounts and partner API keys (admin)"),
        (name = "webhooks", description = "Signed event deliveries (Standard Webhooks), their log and redelivery (admin)"),
        (name = "push", description = "Live events as server-sent events"),
        (name = "comments", description = "Readers' comments, moderated by editors"),
        (name = "analytics", description = "Page views and most-read"),
    )
)]
struct V1;

/// The two ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Staff token from POST /api/v1/auth/token (HS256; roles admin > editor > author). \
                         With it, reads also show drafts and scheduled articles.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "Partner key created by an admin: read access with the key's own rate limit.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "Headless news content API. Lists are `{data, meta: {next_cursor, limit}}` with a `Link: rel=\"next\"` header; errors are RFC 9457 problem+json. Anonymous callers are rate limited per address, partners per key (`RateLimit-*` headers; 429 with `Retry-After`); failed logins lock the account and the address for a growing time (429 with `Retry-After`). On every route: a body over 2 MiB is 413, a body not sent within the body timeout is 408, a NUL byte in the URL or body is 400, and `HEAD` answers every `GET`.",
    ),
    nest((path = "/api/v1", api = V1)),
    modifiers(&SecuritySchemes),
    security((), ("bearer" = []), ("api_key" = []))
)]
pub struct ApiDoc;

/// Feeds and sitemaps live at the server's root, outside `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    paths(
        crate::syndication::feed,
        crate::syndication::sitemap_index,
        crate::syndication::sitemap_file,
        crate::syndication::news_sitemap,
        crate::push::websub::hub,
    ),
    components(schemas(crate::push::websub::HubForm)),
    tags((name = "feeds", description = "RSS, Atom, JSON Feed and sitemaps, at the server's root")),
)]
struct Feeds;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi().merge_from(Feeds::openapi())
}
