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
        accounts::CreatedApiKeyOne,
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

/// The document as `openapi.json` at the repository root holds it: pretty,
/// with a final newline, so that a change to the API is a readable diff.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// The document as served at `/openapi.json`: utoipa's, made as strict as
/// the server by the passes below. They work on the JSON form, which
/// utoipa's types cannot all read back (`propertyNames`), so this is what
/// is served.
pub fn document() -> serde_json::Value {
    let mut doc = ApiDoc::openapi().merge_from(Feeds::openapi());
    CommonResponses.modify(&mut doc);
    let mut json = serde_json::to_value(&doc).unwrap_or_default();
    strict_parameters(&mut json);
    strict_bodies(&mut json);
    sparse_articles(&mut json);
    let stream = &mut json["paths"]["/api/v1/stream"]["get"]["responses"]["200"]["content"];
    if stream.is_object() {
        // Each server-sent event: its name, its id, and the JSON payload as text.
        stream["text/event-stream"]["schema"] = serde_json::json!({
            "type": "object",
            "properties": {
                "event": {"type": "string"},
                "id": {"type": "string"},
                "data": {"type": "string", "contentMediaType": "application/json"},
                "retry": {"type": "integer"}
            }
        });
    }
    json
}

/// The server refuses a NUL anywhere (400): the patterns that say so.
const NOT_NUL: &str = "[^\\u0000]";
const NO_NUL: &str = "^[^\\u0000]*$";

/// Parameters as strict as the server: no string parameter may carry a
/// NUL byte (400 on every route), and `fields` names only known fields.
/// Done on the JSON form, where a parameter's schema is plain to edit.
fn strict_parameters(json: &mut serde_json::Value) {
    let names = crate::rest::fields::ARTICLE_FIELDS.join("|");
    let fields = format!("^({names})(,({names}))*$");
    if let Some(paths) = json["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut().filter(|op| op.is_object()) {
                let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) else {
                    continue;
                };
                for p in params {
                    let is_fields = p["name"] == "fields";
                    // `get_mut`, not indexing: indexing would add a `null`.
                    let Some(schema) = p.get_mut("schema") else {
                        continue;
                    };
                    let string = schema.get("type").is_some_and(|t| {
                        t == "string" || *t == serde_json::json!(["string", "null"])
                    });
                    if !string {
                        continue;
                    }
                    if is_fields {
                        schema["pattern"] = fields.clone().into();
                    } else if schema.get("pattern").is_none() && schema.get("format").is_none() {
                        schema["pattern"] = NO_NUL.into();
                    }
                }
            }
        }
    }
}

/// No string anywhere may hold a NUL (the server refuses them), and a
/// slug is what `Slug::parse` accepts; a PATCH names one field at least.
/// utoipa's `min_properties` comes out as `maxProperties`, hence here.
fn strict_bodies(json: &mut serde_json::Value) {
    // Empty is no slug: one is made from the title or name.
    const SLUG: &str = "^([a-z0-9]+(-[a-z0-9]+)*)?$";
    const LANGUAGE: &str = "^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$";
    fn walk(v: &mut serde_json::Value, key: Option<&str>) {
        match v {
            serde_json::Value::Object(map) => {
                let is_string = map
                    .get("type")
                    .is_some_and(|t| t == "string" || *t == serde_json::json!(["string", "null"]));
                if is_string && !map.contains_key("format") && !map.contains_key("enum") {
                    let pattern = match (key, map.get("pattern").and_then(|p| p.as_str())) {
                        (Some("slug"), None) => {
                            map.insert("maxLength".into(), 120.into());
                            Some(SLUG.to_owned())
                        }
                        (Some("language"), None) => Some(LANGUAGE.to_owned()),
                        (_, None) => Some(NO_NUL.to_owned()),
                        // "Contains this", and no NUL anywhere around it.
                        (_, Some(p)) if !p.starts_with('^') => {
                            Some(format!("^{NOT_NUL}*{p}{NOT_NUL}*$"))
                        }
                        _ => None,
                    };
                    if let Some(p) = pattern {
                        map.insert("pattern".into(), p.into());
                    }
                }
                for (k, child) in map.iter_mut() {
                    walk(child, Some(k));
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|c| walk(c, key)),
            _ => {}
        }
    }
    walk(&mut json["components"]["schemas"], None);
    open_objects(json);
    term_patch(json);
    // The create body is also the import format, where a blank field is an
    // absent one: a date too.
    let at = &mut json["components"]["schemas"]["ArticleInput"]["properties"]["published_at"];
    if at.is_object() {
        *at = serde_json::json!({"anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "pattern": "^\\s*$"},
            {"type": "null"}
        ]});
    }
    // A field sent as null is left alone, so one at least must have a value.
    let user_patch = &mut json["components"]["schemas"]["UserPatch"];
    user_patch["anyOf"] = serde_json::json!([
        {"required": ["role"], "properties": {"role": {"type": "string"}}},
        {"required": ["disabled"], "properties": {"disabled": {"type": "boolean"}}},
        {"required": ["password"], "properties": {"password": {"type": "string"}}}
    ]);
    // Unknown fields are collected to be refused by name.
    user_patch["additionalProperties"] = false.into();
    let publish = &mut json["paths"]["/api/v1/articles/{slug}/publish"]["post"]["requestBody"];
    if publish.is_object() {
        publish["required"] = false.into();
    }
}

/// An object that takes fields it does not name still refuses a NUL in
/// them, as everywhere: its extra fields are any JSON free of NUL.
fn open_objects(json: &mut serde_json::Value) {
    let schemas = &mut json["components"]["schemas"];
    schemas["NulFree"] = serde_json::json!({
        "description": "Any JSON value with no NUL in a string or a key.",
        "anyOf": [
            {"type": "string", "pattern": NO_NUL},
            {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/components/schemas/NulFree"}},
            {"type": "object", "propertyNames": {"pattern": NO_NUL},
             "additionalProperties": {"$ref": "#/components/schemas/NulFree"}}
        ]
    });
    let Some(all) = schemas.as_object_mut() else {
        return;
    };
    for (name, schema) in all.iter_mut() {
        let open = schema["type"] == "object"
            && schema.get("properties").is_some()
            && schema.get("additionalProperties").is_none()
            && name != "NulFree";
        if open {
            schema["additionalProperties"] =
                serde_json::json!({"$ref": "#/components/schemas/NulFree"});
            schema["propertyNames"] = serde_json::json!({"pattern": NO_NUL});
        }
    }
}

/// A PATCH of a term names what changes: nothing is required there.
fn term_patch(json: &mut serde_json::Value) {
    let mut patch = json["components"]["schemas"]["TermInput"].clone();
    if let Some(map) = patch.as_object_mut() {
        map.remove("required");
    }
    patch["properties"]["name"]["type"] = serde_json::json!(["string", "null"]);
    json["components"]["schemas"]["TermPatch"] = patch;
    for path in [
        "/api/v1/tags/{slug}",
        "/api/v1/sections/{slug}",
        "/api/v1/authors/{slug}",
    ] {
        let body = &mut json["paths"][path]["patch"]["requestBody"]["content"]["application/json"];
        if body.is_object() {
            body["schema"] = serde_json::json!({"$ref": "#/components/schemas/TermPatch"});
        }
    }
}

/// With `fields`, an article has only the fields named: the two reads
/// that take it answer a schema whose fields are all optional.
fn sparse_articles(json: &mut serde_json::Value) {
    let schemas = &mut json["components"]["schemas"];
    let mut sparse = schemas["ArticleView"].clone();
    if let Some(map) = sparse.as_object_mut() {
        map.remove("required");
        map.insert(
            "description".into(),
            "An article; with `fields`, only the fields named.".into(),
        );
    }
    schemas["SparseArticle"] = sparse;
    let refer = |name: &str| serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
    let mut list = schemas["ArticleList"].clone();
    list["properties"]["data"]["items"] = refer("SparseArticle");
    schemas["SparseArticleList"] = list;
    let mut one = schemas["ArticleOne"].clone();
    one["properties"]["data"] = refer("SparseArticle");
    schemas["SparseArticleOne"] = one;
    for (path, schema) in [
        ("/api/v1/articles", "SparseArticleList"),
        ("/api/v1/articles/{slug}", "SparseArticleOne"),
    ] {
        let content =
            &mut json["paths"][path]["get"]["responses"]["200"]["content"]["application/json"];
        if content.is_object() {
            content["schema"] = refer(schema);
        }
    }
}

/// The statuses any operation can answer, whatever its handler does: the
/// middleware's (a bad token 401, a rate limit 429, a NUL byte or a
/// malformed query 400, the database away 503), 404 where the path names
/// something, and for a body 408, 413, 415 and 422. Added here, where they
/// are true of every route, rather than repeated on each handler.
struct CommonResponses;

impl CommonResponses {
    fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
        utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
            .into()
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let named = path.contains('{');
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations {
                let Some(op) = op.as_mut() else { continue };
                let has_body = op.request_body.is_some();
                let has_query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                });
                let mut common = vec![
                    (
                        "400",
                        "Malformed request: query string, path, JSON or a NUL byte",
                    ),
                    ("401", "A token or key that is not valid (on every route)"),
                    ("429", "Rate limited: see `Retry-After`"),
                    ("503", "The database is unavailable; try again shortly"),
                ];
                if named {
                    common.push(("404", "Nothing visible to the caller has this identifier"));
                }
                // Writes need a role; a partner key's policy can refuse reads.
                common.push(("403", "The caller's role or key does not allow this"));
                if has_body {
                    common.extend([
                        ("408", "The body was not sent in time"),
                        ("413", "The body is over 2 MiB"),
                        (
                            "415",
                            "The body is not JSON (`Content-Type: application/json`)",
                        ),
                        ("422", "A field has an invalid value"),
                    ]);
                }
                if has_query {
                    common.push(("422", "A query parameter has an invalid value"));
                }
                for (status, description) in common {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Self::problem(description));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_strict_passes_hold() {
        let doc = serde_json::to_value(super::document()).expect("json");
        let fields = doc["paths"]["/api/v1/articles"]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "fields"))
            .expect("fields");
        assert!(fields["schema"]["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("slug")));
        assert!(doc["components"]["schemas"]["UserPatch"]["anyOf"].is_array());
        assert!(doc["components"]["schemas"]["TermPatch"].is_object());
        let publish = &doc["paths"]["/api/v1/articles/{slug}/publish"]["post"]["requestBody"];
        assert_eq!(publish["required"], false);
    }
}
