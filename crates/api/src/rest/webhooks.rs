//! `/api/v1/webhooks` (admin): subscriptions to events, their delivery log
//! and redelivery. The service is `newsdesk_domain::service::events`.

use actix_web::{delete, get, post, web, HttpResponse};
use newsdesk_domain::events::hooks::{Delivery, HookRequest};
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::events::{self, WebhookView};
use newsdesk_domain::FieldError;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::push::deliver::allowed;
use crate::rest::One;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver)
        .service(crate::push::stream::stream);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries are POSTed: http or https, not a private address
    /// unless `NEWSDESK_WEBHOOK_ALLOW_PRIVATE=true`.
    #[schema(pattern = "^https?://[^/?#\\s]+")]
    pub url: String,
    /// Event names, e.g. `["article.published"]`.
    pub events: Vec<String>,
    /// `whsec_` and the base64 of a 24 to 64 byte key; generated when absent.
    pub secret: Option<String>,
}

#[derive(utoipa::ToSchema)]
pub struct WebhookOne {
    pub data: WebhookView,
}

#[derive(utoipa::ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

#[derive(utoipa::ToSchema)]
pub struct DeliveryList {
    pub data: Vec<Delivery>,
}

#[derive(utoipa::ToSchema)]
pub struct DeliveryOne {
    pub data: Delivery,
}

/// Subscribe a URL to events (admin). The response shows the signing
/// secret; nothing shows it again.
#[utoipa::path(tag = "webhooks", path = "/webhooks", request_body = NewWebhook, security(("bearer" = [])), responses(
    (status = 201, description = "Created, with its secret", body = WebhookOne),
    (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A URL, event or secret that is not acceptable", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    who.require(newsdesk_domain::Role::Admin)?;
    let b = body.into_inner();
    let allow = state.push.settings.allow_private;
    let request = HookRequest::parse(&b.url, &b.events, b.secret.as_deref(), allow)?;
    allowed(request.url.as_str(), allow).await.map_err(|e| {
        ApiError::from(newsdesk_domain::DomainError::Invalid(vec![
            FieldError::new("url", e),
        ]))
    })?;
    let now = state.now();
    let created = state
        .run(move |s| events::create_webhook(s, &who, request, now))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/api/v1/webhooks/{}", state.base_url, created.id),
        ))
        .json(One { data: created }))
}

/// Every webhook (admin), without secrets.
#[utoipa::path(tag = "webhooks", path = "/webhooks", security(("bearer" = [])), responses(
    (status = 200, description = "Webhooks", body = WebhookList),
    (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks")]
pub async fn list_webhooks(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let hooks = state.run(move |s| events::list_webhooks(s, &who)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "data": hooks })))
}

/// One webhook (admin): whether it is enabled, and why not.
#[utoipa::path(tag = "webhooks", path = "/webhooks/{id}", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 200, description = "The webhook", body = WebhookOne),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let hook = state
        .run(move |s| events::get_webhook(s, &who, &id))
        .await?;
    Ok(HttpResponse::Ok().json(One { data: hook }))
}

/// Unsubscribe (admin): its pending deliveries are dropped.
#[utoipa::path(tag = "webhooks", path = "/webhooks/{id}", params(("id" = String, Path)), security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    state
        .run(move |s| events::delete_webhook(s, &who, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// 1 to 100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// A delivery id: only older deliveries.
    pub before: Option<String>,
}

/// The delivery log (admin), newest first: status, attempts, the last
/// response code and when.
#[utoipa::path(tag = "webhooks", path = "/webhooks/{id}/deliveries", params(("id" = String, Path), DeliveryParams), security(("bearer" = [])), responses(
    (status = 200, description = "Deliveries", body = DeliveryList),
    (status = 400, description = "A malformed `before`", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let p = params.into_inner();
    let limit = PageLimit::parse(p.limit.as_deref())?;
    let log = state
        .run(move |s| events::deliveries(s, &who, &id, limit, p.before.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "data": log })))
}

/// Send a delivery again now, whatever became of it (admin).
#[utoipa::path(tag = "webhooks", path = "/webhooks/{id}/deliveries/{delivery}/redeliver", params(("id" = String, Path), ("delivery" = String, Path)), security(("bearer" = [])), responses(
    (status = 202, description = "Queued", body = DeliveryOne),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such webhook or delivery", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let (hook, delivery) = path.into_inner();
    let now = state.now();
    let queued = state
        .run(move |s| events::redeliver(s, &who, &hook, &delivery, now))
        .await?;
    state.push.wake();
    Ok(HttpResponse::Accepted().json(One { data: queued }))
}
