//! `schema.graphql` at the repository root is the exported schema.
//! Regenerate it with `cargo run -p newsdesk-api --example schema`.

#[test]
fn schema_file_matches_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let on_disk = std::fs::read_to_string(&path).expect("schema.graphql exists");
    assert!(
        on_disk == newsdesk_api::graphql::sdl(),
        "schema.graphql is stale: run cargo run -p newsdesk-api --example schema"
    );
}
