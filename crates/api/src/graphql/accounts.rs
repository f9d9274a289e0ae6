//! Who is calling, over GraphQL: `viewer` and `login`.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use newsdesk_domain::accounts;

use crate::auth::ClientAddr;
use crate::graphql::{gql_error, principal, state};
use crate::login;

/// The signed-in staff member.
#[derive(SimpleObject)]
pub struct Viewer {
    pub id: ID,
    pub email: String,
    pub role: String,
}

pub(super) async fn viewer(ctx: &Context<'_>) -> Result<Option<Viewer>> {
    let who = principal(ctx);
    let user = state(ctx)?
        .run(move |store| accounts::viewer(store, &who))
        .await
        .map_err(gql_error)?;
    Ok(user.map(|u| Viewer {
        id: ID(u.id.to_string()),
        email: u.email,
        role: u.role.as_str().into(),
    }))
}

#[derive(SimpleObject)]
pub struct Token {
    access_token: String,
    /// Always `Bearer`.
    token_type: String,
    /// Seconds until it expires.
    expires_in: u64,
}

#[derive(Default)]
pub struct AccountMutations;

#[Object]
impl AccountMutations {
    /// A staff token for an e-mail and password. One per operation.
    #[graphql(complexity = "crate::graphql::LOGIN_COST")]
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<Token> {
        let address = ctx
            .data_opt::<ClientAddr>()
            .map_or_else(|| "unknown".into(), |a| a.0.clone());
        let (access_token, expires_in) = login::login(state(ctx)?, email, password, &address)
            .await
            .map_err(gql_error)?;
        Ok(Token {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        })
    }
}
