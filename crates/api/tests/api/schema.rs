//! `schema.graphql` and `openapi.json` at the repository root are the
//! exported schemas, which the TypeScript client is generated from.
//! Regenerate them with `cargo run -p newsdesk-api --example schema`.

fn on_disk(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn schema_file_matches_code() {
    assert!(
        on_disk("schema.graphql") == newsdesk_api::graphql::sdl(),
        "schema.graphql is stale: run cargo run -p newsdesk-api --example schema"
    );
}

#[test]
fn openapi_file_matches_code() {
    assert!(
        on_disk("openapi.json") == newsdesk_api::openapi::document_text(),
        "openapi.json is stale: run cargo run -p newsdesk-api --example schema"
    );
}
