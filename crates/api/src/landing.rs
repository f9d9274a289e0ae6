//! `GET /`: a small page, embedded in the binary, that tells someone who
//! opens the server in a browser where the API, its documentation, GraphQL
//! and the feeds are. Without it the root was a bare 404.

use actix_web::{get, http::header, HttpResponse};

const PAGE: &str = include_str!("../assets/landing/index.html");

#[get("/")]
pub async fn landing() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(PAGE)
}
