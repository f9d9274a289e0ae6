//! Writes the schemas the code defines to the repository root:
//! `schema.graphql` (GraphQL SDL) and `openapi.json` (the REST API's OpenAPI
//! document, as `/openapi.json` serves it). The TypeScript client is
//! generated from these two files. Run `cargo run -p newsdesk-api --example
//! schema`; the tests in `schema.rs` only compare, so they cannot pass by
//! rewriting the files they check.

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = [
        ("schema.graphql", newsdesk_api::graphql::sdl()),
        ("openapi.json", newsdesk_api::openapi::document_text()),
    ];
    for (name, text) in files {
        let path = root.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
    }
}
