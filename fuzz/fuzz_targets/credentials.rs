//! The JWT and API-key extractors: any Authorization or X-Api-Key header is
//! either refused with a 401 or read as credentials, and only a token signed
//! with the server's key verifies.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use libfuzzer_sys::fuzz_target;
use newsdesk_api::auth::{credentials, hash_api_key, Auth, AuthSettings, Credentials};

/// The key the committed seed tokens are signed with (see docs/fuzzing.md).
const SEED_SECRET: &[u8] = b"newsdesk-fuzz-seed-secret-0123456789";
/// The one valid token among the seeds: sub 7, expires in 2126.
const SEED_TOKEN: &str = include_str!("seed-token.jwt");

static AUTH: LazyLock<Auth> = LazyLock::new(|| {
    Auth::new(AuthSettings {
        jwt_secret: SEED_SECRET.to_vec(),
        token_ttl: Duration::from_secs(3600),
        ..AuthSettings::for_tests()
    })
});

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = HeaderValue::from_bytes(rest) else {
        return;
    };
    let (authorization, api_key) = match which % 3 {
        0 => (Some(&value), None),
        1 => (None, Some(&value)),
        _ => (Some(&value), Some(&value)),
    };
    match credentials(authorization, api_key, None) {
        Err(e) => assert_eq!(e.status, StatusCode::UNAUTHORIZED),
        Ok(Credentials::Anonymous) => panic!("a header was read as no credentials"),
        Ok(Credentials::Key(key)) => assert_eq!(hash_api_key(&key).len(), 64),
        Ok(Credentials::Bearer(token)) => match AUTH.verify(&token) {
            Ok((user, _)) => {
                assert_eq!(token, SEED_TOKEN.trim(), "a forged token verified");
                assert_eq!(user, 7);
            }
            Err(e) => assert_eq!(e.status, StatusCode::UNAUTHORIZED),
        },
    }
});
