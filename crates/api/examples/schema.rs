//! Writes the GraphQL schema the code defines to `schema.graphql` at the
//! repository root: `cargo run -p newsdesk-api --example schema`. The test
//! `schema::schema_file_matches_code` only compares, so it cannot pass by
//! rewriting the file it checks.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    if let Err(e) = std::fs::write(&path, newsdesk_api::graphql::sdl()) {
        eprintln!("cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("wrote {}", path.display());
}
