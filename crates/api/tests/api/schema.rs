//! `schema.graphql` at the repository root is the exported schema.
//! Regenerate it with `NEWSDESK_UPDATE_SCHEMA=1 cargo test -p newsdesk-api schema`.

#[test]
fn schema_file_matches_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let sdl = newsdesk_api::graphql::sdl();
    if std::env::var_os("NEWSDESK_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).expect("schema.graphql is writable");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == sdl,
        "schema.graphql is stale: run NEWSDESK_UPDATE_SCHEMA=1 cargo test -p newsdesk-api schema"
    );
}
