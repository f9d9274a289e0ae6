//! Authentication and rate limiting.
//!
//! - Staff send `Authorization: Bearer <JWT>` (HS256, `alg` pinned; expiry,
//!   issuer and audience checked). A bad token is a 401 on every route.
//! - Partners send `X-Api-Key`; keys are stored as SHA-256 and looked up
//!   through a short cache that a revocation on this node clears.
//! - Everyone else is anonymous, rate limited per client address.
//!
//! The `authenticate` middleware resolves the caller once per request and
//! leaves a `Principal` in the request extensions; handlers take it with the
//! `Caller` extractor, so a handler's signature says who may call it.

use std::future::{ready, Ready};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use governor::clock::DefaultClock;
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use newsdesk_domain::store::AccountStore;
use newsdesk_domain::user::{ApiKey, Principal, User};
use newsdesk_domain::DomainError;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const ISSUER: &str = "newsdesk";
pub const AUDIENCE: &str = "newsdesk-api";

/// How long a client may take to send a request body, unless configured.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of the auth layer.
#[derive(Clone)]
pub struct AuthSettings {
    pub jwt_secret: Vec<u8>,
    pub token_ttl: Duration,
    /// Anonymous requests a minute per client address; 0 turns it off.
    pub anonymous_per_minute: u32,
    /// Default for new API keys.
    pub api_key_per_minute: u32,
    pub trust_proxy: bool,
    /// How long a client may take to send a request body (408 after).
    pub body_timeout: Duration,
}

impl AuthSettings {
    /// A random signing key: tokens die with the process.
    pub fn random_secret() -> Vec<u8> {
        let mut key = vec![0u8; 32];
        rand::rng().fill(&mut key[..]);
        key
    }

    pub fn for_tests() -> AuthSettings {
        AuthSettings {
            jwt_secret: Self::random_secret(),
            token_ttl: Duration::from_secs(3600),
            anonymous_per_minute: 0,
            api_key_per_minute: 6000,
            trust_proxy: false,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// JWT claims of a staff token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The account's token generation when issued; a password change
    /// bumps the account's and so revokes this token.
    #[serde(default)]
    pub gen: i32,
}

/// The client's address (see `NEWSDESK_TRUST_PROXY`), for per-address limits.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// How long a node may act on an account's state as it last read it: a
/// role change, a disabling or a deletion reaches every node within this.
pub const ACCOUNT_CACHE_TTL: Duration = Duration::from_secs(2);

pub(crate) type Limiter =
    RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

pub struct Auth {
    pub settings: AuthSettings,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Verified against when an e-mail is unknown, so a wrong address costs
    /// as long as a wrong password and does not reveal who has an account.
    dummy_hash: String,
    limiters: moka::sync::Cache<String, Arc<Limiter>>,
    keys: moka::sync::Cache<String, Option<ApiKey>>,
    accounts: moka::sync::Cache<i64, Option<User>>,
    pub logins: crate::throttle::LoginThrottle,
}

impl Auth {
    /// An account as this node last read it, within `ACCOUNT_CACHE_TTL`.
    pub fn cached_account(&self, user_id: i64) -> Option<Option<User>> {
        self.accounts.get(&user_id)
    }

    pub fn remember_account(&self, user_id: i64, account: Option<User>) {
        self.accounts.insert(user_id, account);
    }

    /// An API key by its hash, as this node last read it.
    pub fn cached_key(&self, hash: &str) -> Option<Option<ApiKey>> {
        self.keys.get(hash)
    }

    pub fn remember_key(&self, hash: String, key: Option<ApiKey>) {
        self.keys.insert(hash, key);
    }

    pub fn new(settings: AuthSettings) -> Auth {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        // A token that says it is not valid yet is not valid.
        validation.validate_nbf = true;
        let dummy_hash = hash_password("not a real password, only for timing").unwrap_or_default();
        Auth {
            encoding: EncodingKey::from_secret(&settings.jwt_secret),
            decoding: DecodingKey::from_secret(&settings.jwt_secret),
            validation,
            dummy_hash,
            limiters: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            keys: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(30))
                .build(),
            accounts: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ACCOUNT_CACHE_TTL)
                .build(),
            logins: Default::default(),
            settings,
        }
    }

    /// A signed token for `user`, and its lifetime in seconds.
    pub fn issue(&self, user: &User) -> Result<(String, u64), ApiError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = self.settings.token_ttl.as_secs();
        let claims = Claims {
            sub: user.id.to_string(),
            role: user.role.as_str().into(),
            iat: now,
            exp: now + i64::try_from(ttl).unwrap_or(i64::MAX / 2),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            gen: user.token_generation,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, ttl))
    }

    /// The account id and token generation of a well-formed, current
    /// token, or 401. Why a token failed is logged, not told: the library's
    /// words help an attacker more than a client.
    pub fn verify(&self, token: &str) -> Result<(i64, i32), ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                unauthorized("invalid or expired token")
            })?;
        let claims = data.claims;
        // jsonwebtoken checks `exp` and `nbf` but not `iat`: a token issued
        // in the future was not issued by this server's clock.
        let now = chrono::Utc::now().timestamp();
        if claims.iat > now + i64::try_from(self.validation.leeway).unwrap_or(0) {
            return Err(unauthorized("invalid or expired token"));
        }
        let user_id = claims
            .sub
            .parse()
            .map_err(|_| unauthorized("invalid or expired token"))?;
        Ok((user_id, claims.gen))
    }

    /// Forgets what this node knows of an account (after changing it).
    pub fn forget_account(&self, id: i64) {
        self.accounts.invalidate(&id);
    }

    /// Checks a password against a stored hash, or against the dummy hash
    /// when there is no user, so both failures take the same time.
    pub fn check_password(&self, password: &str, hash: Option<&str>) -> bool {
        let ok = verify_password(password, hash.unwrap_or(&self.dummy_hash));
        ok && hash.is_some()
    }

    /// Forgets every cached key lookup (after a revocation).
    pub fn clear_keys(&self) {
        self.keys.invalidate_all();
    }

    /// Forgets every cached key and account: another node changed one.
    pub fn forget_everyone(&self) {
        self.keys.invalidate_all();
        self.accounts.invalidate_all();
    }

    pub(crate) fn limiter(&self, key: String, per_minute: u32) -> Option<Arc<Limiter>> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(self.limiters.get_with(key, || {
            Arc::new(
                RateLimiter::direct(Quota::per_minute(per_minute))
                    .with_middleware::<StateInformationMiddleware>(),
            )
        }))
    }
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// `hash_password` as the domain's account services take it.
pub fn hasher(password: &str) -> Result<String, DomainError> {
    hash_password(password).map_err(|e| DomainError::Internal(e.detail))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new partner key (`ndk_` and 40 hex digits) and its SHA-256.
pub fn new_api_key() -> (String, String) {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes[..]);
    let key = format!("ndk_{}", hex::encode(bytes));
    let hash = hash_api_key(&key);
    (key, hash)
}

pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// What a request presents to say who it is, read from its headers alone
/// (a bearer token wins over a key; a feed's `?key=` stands in for the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Anonymous,
    Bearer(String),
    Key(String),
}

/// Reads the credentials of a request; a malformed header is a 401, never
/// anonymous access.
pub fn credentials(
    authorization: Option<&HeaderValue>,
    api_key: Option<&HeaderValue>,
    feed_key: Option<String>,
) -> Result<Credentials, ApiError> {
    if let Some(value) = authorization {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
        return Ok(Credentials::Bearer(token.trim().to_owned()));
    }
    match api_key {
        Some(value) => value
            .to_str()
            .map(|v| Credentials::Key(v.trim().to_owned()))
            .map_err(|_| unauthorized("unknown API key")),
        None => Ok(feed_key.map_or(Credentials::Anonymous, Credentials::Key)),
    }
}

pub(crate) fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, detail)
}

/// The syndication policy of the partner calling, if the caller is a
/// partner whose key has one.
#[derive(Debug, Clone, Default)]
pub struct PartnerPolicy(pub Option<Arc<newsdesk_domain::policy::Policy>>);

impl PartnerPolicy {
    pub fn get(&self) -> Option<&newsdesk_domain::policy::Policy> {
        self.0.as_deref()
    }
}

impl FromRequest for PartnerPolicy {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let policy = req
            .extensions()
            .get::<ApiKey>()
            .and_then(|k| k.policy.clone())
            .map(Arc::new);
        ready(Ok(PartnerPolicy(policy)))
    }
}

/// The caller of this request, as resolved by `authenticate`.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Principal);

impl Caller {
    /// Staff may see drafts, so what they read must not land in a shared cache.
    pub fn is_staff(&self) -> bool {
        matches!(self.0, Principal::Staff(_))
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Caller, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Caller(
            req.extensions()
                .get::<Principal>()
                .copied()
                .unwrap_or_default(),
        )))
    }
}

/// Creates a user from raw fields with no caller to check (CLI, bootstrap).
pub fn create_user(
    store: &(impl AccountStore + ?Sized),
    email: &str,
    password: &str,
    role: &str,
    author_id: Option<i64>,
) -> Result<User, DomainError> {
    newsdesk_domain::accounts::register(store, email, password, role, author_id, &hasher)
}
