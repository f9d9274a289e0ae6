//! Tokens, staff accounts and partner API keys.

use actix_web::{delete, get, patch, post, web, HttpMessage, HttpRequest, HttpResponse};
use newsdesk_domain::accounts::{self, Target, UserPatch};
use newsdesk_domain::policy::Policy;
use newsdesk_domain::user::{ApiKey, User};
use newsdesk_domain::{DomainError, FieldError};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Caller, ClientAddr};
use crate::error::{ApiError, Problem};
use crate::login;
use crate::rest::One;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(issue_token)
        .service(list_users)
        .service(create_user)
        .service(update_user)
        .service(delete_user)
        .service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(required = true, nullable = false, min_length = 1)]
    pub email: Option<String>,
    #[schema(required = true, nullable = false, min_length = 1)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

fn required(field: &str, v: Option<String>) -> Result<String, DomainError> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| DomainError::Invalid(vec![FieldError::new(field, "is required")]))
}

/// Exchange an e-mail and password for a staff token.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Unknown e-mail or wrong password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this account or from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = required("email", body.email)?;
    let password = required("password", body.password)?;
    let address = client_addr(&req);
    let (access_token, expires_in) = login::login(&state, email, password, &address).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
        }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// What `Email::parse` takes: trimmed, no space or control character,
    /// something before the `@` and a dot after it.
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^@\s\u0000-\u001f\u007f-\u009f]+@[^@\s\u0000-\u001f\u007f-\u009f]*\.[^@\s\u0000-\u001f\u007f-\u009f]*\s*$"
    )]
    pub email: String,
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
    /// `admin`, `editor` or `author`.
    #[schema(pattern = "^(admin|editor|author)$")]
    pub role: String,
}

/// Staff accounts (admin).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses(
    (status = 200, description = "Every account", body = UserList),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
))]
#[get("/users")]
pub async fn list_users(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let users = state
        .run(move |store| accounts::list_users(store, &who))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "data": users })))
}

/// Create a staff account (admin).
#[utoipa::path(tag = "accounts", request_body = NewUserRequest, security(("bearer" = [])), responses(
    (status = 201, description = "Created", body = UserOne),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/users")]
pub async fn create_user(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let b = body.into_inner();
    let user = state
        .run(move |store| {
            accounts::create_user(store, &who, &b.email, &b.password, &b.role, &auth::hasher)
        })
        .await?;
    Ok(HttpResponse::Created().json(One { data: user }))
}

/// The address the auth middleware resolved for this request.
pub fn client_addr(req: &HttpRequest) -> String {
    req.extensions()
        .get::<ClientAddr>()
        .map_or_else(|| "unknown".into(), |a| a.0.clone())
}

/// Change a staff account: `role` and `disabled` (admin), `password`
/// (admin, or anyone for `me`). A new password revokes the account's
/// older tokens; a role change or disabling applies to them at once.
#[utoipa::path(tag = "accounts", path = "/users/{id}", request_body = UserPatch,
    params(("id" = String, Path, description = "User id, or `me` for the caller's own account")),
    security(("bearer" = [])), responses(
    (status = 200, description = "The account as changed", body = UserOne),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The last enabled admin cannot be demoted or disabled", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/users/{id}")]
pub async fn update_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let target = user_target(&id)?;
    let who = caller.0;
    let patch = body.into_inner();
    let user = state
        .run(move |store| accounts::update_user(store, &who, target, patch, &auth::hasher))
        .await?;
    state.auth.forget_account(user.id);
    Ok(HttpResponse::Ok().json(One { data: user }))
}

/// Delete a staff account (admin). Its tokens stop working; its articles
/// keep their bylines.
#[utoipa::path(tag = "accounts", path = "/users/{id}", params(("id" = String, Path, description = "User id")),
    security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The last enabled admin cannot be deleted", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/users/{id}")]
pub async fn delete_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Target::Id(id) = user_target(&id)? else {
        return Err(ApiError::not_found("delete an account by its id"));
    };
    let who = caller.0;
    state
        .run(move |store| accounts::delete_user(store, &who, id))
        .await?;
    state.auth.forget_account(id);
    Ok(HttpResponse::NoContent().finish())
}

fn user_target(id: &str) -> Result<Target, ApiError> {
    if id == "me" {
        return Ok(Target::Me);
    }
    id.parse()
        .map(Target::Id)
        .map_err(|_| ApiError::not_found("no such user"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewApiKeyRequest {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Requests a minute; the server default when absent.
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub rate_limit_per_minute: Option<i32>,
    /// What the partner may receive; everything public when absent.
    pub policy: Option<Policy>,
}

/// A key as created: the only time the key itself is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub meta: ApiKeyJson,
    /// Send as `X-Api-Key`. Store it now: it is not shown again.
    pub key: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyJson {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub rate_limit_per_minute: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub policy: Option<Policy>,
}

impl From<ApiKey> for ApiKeyJson {
    fn from(k: ApiKey) -> Self {
        ApiKeyJson {
            id: k.id.to_string(),
            name: k.name,
            prefix: k.prefix,
            rate_limit_per_minute: k.rate_limit_per_minute,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
            policy: k.policy,
        }
    }
}

/// Partner keys (admin); keys themselves are never listed.
#[utoipa::path(tag = "accounts", path = "/api-keys", security(("bearer" = [])), responses(
    (status = 200, description = "Every key, revoked ones too", body = ApiKeyList),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api-keys")]
pub async fn list_api_keys(
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let keys = state
        .run(move |store| accounts::list_api_keys(store, &who))
        .await?;
    let data: Vec<ApiKeyJson> = keys.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "data": data })))
}

/// Create a partner key (admin). The response is the only place the key appears.
#[utoipa::path(tag = "accounts", path = "/api-keys", request_body = NewApiKeyRequest, security(("bearer" = [])), responses(
    (status = 201, description = "Created", body = CreatedApiKeyOne),
    (status = 403, description = "Needs the admin role", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api-keys")]
pub async fn create_api_key(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<NewApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let b = body.into_inner();
    let default = i32::try_from(state.auth.settings.api_key_per_minute).unwrap_or(i32::MAX);
    let new = accounts::NewApiKey {
        name: b.name,
        per_minute: b.rate_limit_per_minute.unwrap_or(default),
        policy: b.policy,
    };
    let (key, hash) = auth::new_api_key();
    let shown = key.clone();
    let created = state
        .run(move |store| accounts::create_api_key(store, &who, new, &key, &hash))
        .await?;
    Ok(HttpResponse::Created().json(One {
        data: CreatedApiKey {
            meta: created.into(),
            key: shown,
        },
    }))
}

/// Revoke a partner key (admin): it gets 401 from then on.
#[utoipa::path(tag = "accounts", path = "/api-keys/{id}", params(("id" = String, Path, description = "Key id")), security(("bearer" = [])), responses(
    (status = 204, description = "Revoked"),
    (status = 404, description = "No such live key", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    state
        .run(move |store| accounts::revoke_api_key(store, &who, &id))
        .await?;
    // This node forgets the key at once; others within the cache's 30 s.
    state.auth.clear_keys();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::ToSchema)]
pub struct UserOne {
    pub data: User,
}

#[derive(utoipa::ToSchema)]
pub struct UserList {
    pub data: Vec<User>,
}

#[derive(utoipa::ToSchema)]
pub struct CreatedApiKeyOne {
    pub data: CreatedApiKey,
}

#[derive(utoipa::ToSchema)]
pub struct ApiKeyList {
    pub data: Vec<ApiKeyJson>,
}
