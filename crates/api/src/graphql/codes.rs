//! Every GraphQL error carries `extensions.code`, so a client branches on a
//! code and never on wording. Resolver errors get theirs from `gql_error`;
//! this extension gives one to the errors async-graphql makes itself: a
//! document that does not parse (`GRAPHQL_PARSE_FAILED`), one that does not
//! fit the schema (`GRAPHQL_VALIDATION_FAILED`, which includes arguments of
//! the wrong type), an argument out of its type's range (`BAD_USER_INPUT`),
//! and anything else unnamed (`INTERNAL_SERVER_ERROR`).
//! The names are Apollo Server's, which most GraphQL clients know.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, Variables};

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

/// A request-level error (no path) with its code, for the extensions that
/// refuse a document before it runs.
pub(crate) fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut e = ServerError::new(message, None);
    name(&mut e, code);
    e
}

/// Sets `code` on `e` unless it has one.
fn name(e: &mut ServerError, code: &str) {
    let ext = e.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            name(&mut e, "GRAPHQL_PARSE_FAILED");
            e
        })
    }

    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for e in &mut response.errors {
            // An error with no path never reached a resolver: the document
            // or its variables did not fit the schema.
            // One with a path failed at a field: an argument async-graphql
            // could not coerce (an Int out of range, say) is the client's.
            let code = if e.path.is_empty() {
                "GRAPHQL_VALIDATION_FAILED"
            } else if e.message.starts_with("Failed to parse")
                || e.message.starts_with("Invalid value for argument")
            {
                "BAD_USER_INPUT"
            } else {
                "INTERNAL_SERVER_ERROR"
            };
            name(e, code);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::ErrorCodes;

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, word: String) -> String {
            word
        }

        async fn count(&self, n: i32) -> i32 {
            n
        }

        async fn broken(&self) -> async_graphql::Result<i32> {
            Err("a resolver's own failure".into())
        }
    }

    async fn codes(query: &str) -> Vec<String> {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(ErrorCodes)
            .finish();
        let response = schema.execute(query).await;
        let json = serde_json::to_value(&response).expect("a response serialises");
        json["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    #[actix_web::test]
    async fn errors_async_graphql_makes_get_a_code() {
        assert_eq!(codes("{ echo(").await, ["GRAPHQL_PARSE_FAILED"]);
        assert_eq!(codes("{ echo }").await, ["GRAPHQL_VALIDATION_FAILED"]);
        assert_eq!(
            codes("{ echo(word: 3) }").await,
            ["GRAPHQL_VALIDATION_FAILED"]
        );
        assert_eq!(codes("{ nothing }").await, ["GRAPHQL_VALIDATION_FAILED"]);
        assert_eq!(codes("{ count(n: 99999999999) }").await, ["BAD_USER_INPUT"]);
        assert_eq!(codes("{ broken }").await, ["INTERNAL_SERVER_ERROR"]);
    }
}
