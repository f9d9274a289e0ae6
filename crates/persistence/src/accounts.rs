//! Staff accounts and partner keys: `AccountStore` on both backends
//! through the one connection enum; nothing here differs by backend.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::store::{AccountStore, UserChange};
use newsdesk_domain::user::{ApiKey, Role, User};

use crate::models::{naive, ApiKeyRow, NewApiKey, NewUser, UserRow};
use crate::schema::{api_keys, users};
use crate::store::{db_err, Store};

impl AccountStore for Store {
    fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        author_id: Option<i64>,
    ) -> DomainResult<User> {
        let mut conn = self.conn()?;
        let row: UserRow = {
            let id: i64 = diesel::insert_into(users::table)
                .values(NewUser {
                    email,
                    password_hash,
                    role: role.as_str(),
                    author_id,
                    created_at: naive(newsdesk_domain::article::now()),
                })
                .returning(users::id)
                .get_result(&mut *conn)
                .map_err(db_err)?;
            users::table
                .find(id)
                .select(UserRow::as_select())
                .first(&mut *conn)
                .map_err(db_err)?
        };
        Ok(row.split().0)
    }

    fn user_by_email(&self, email: &str) -> DomainResult<Option<(User, String)>> {
        let mut conn = self.conn()?;
        users::table
            .filter(users::email.eq(email))
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(UserRow::split))
            .map_err(db_err)
    }

    fn user_by_id(&self, id: i64) -> DomainResult<Option<User>> {
        let mut conn = self.conn()?;
        users::table
            .find(id)
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(|r| r.split().0))
            .map_err(db_err)
    }

    fn list_users(&self) -> DomainResult<Vec<User>> {
        let mut conn = self.conn()?;
        let rows: Vec<UserRow> = users::table
            .order(users::id)
            .select(UserRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| r.split().0).collect())
    }

    fn count_users(&self) -> DomainResult<i64> {
        let mut conn = self.conn()?;
        users::table.count().get_result(&mut *conn).map_err(db_err)
    }

    fn update_user(&self, id: i64, change: &UserChange) -> DomainResult<Option<User>> {
        let mut conn = self.conn()?;
        let target = users::table.find(id);
        // One statement per column keeps the change a plain diesel update on
        // both backends; they run in one transaction so it lands whole.
        conn.transaction::<_, DieselError, _>(|conn| {
            if let Some(role) = change.role {
                diesel::update(target)
                    .set(users::role.eq(role.as_str()))
                    .execute(conn)?;
            }
            if let Some(disabled) = change.disabled {
                diesel::update(target)
                    .set(users::disabled.eq(disabled))
                    .execute(conn)?;
            }
            if let Some(hash) = &change.password_hash {
                diesel::update(target)
                    .set(users::password_hash.eq(hash))
                    .execute(conn)?;
            }
            if change.revoke_tokens {
                diesel::update(target)
                    .set(users::token_generation.eq(users::token_generation + 1))
                    .execute(conn)?;
            }
            self.accounts_changed(conn);
            Ok(())
        })
        .map_err(db_err)?;
        target
            .select(UserRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(|r| r.split().0))
            .map_err(db_err)
    }

    fn delete_user(&self, id: i64) -> DomainResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::delete(users::table.find(id))
            .execute(&mut *conn)
            .map_err(db_err)?;
        self.accounts_changed(&mut conn);
        Ok(n > 0)
    }

    fn create_api_key(
        &self,
        name: &str,
        prefix: &str,
        key_hash: &str,
        rate_limit_per_minute: i32,
        policy: Option<&newsdesk_domain::policy::Policy>,
    ) -> DomainResult<ApiKey> {
        let policy = policy
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        let mut conn = self.conn()?;
        let id: i64 = diesel::insert_into(api_keys::table)
            .values(NewApiKey {
                name,
                prefix,
                key_hash,
                rate_limit_per_minute,
                created_at: naive(newsdesk_domain::article::now()),
                policy,
            })
            .returning(api_keys::id)
            .get_result(&mut *conn)
            .map_err(db_err)?;
        api_keys::table
            .find(id)
            .select(ApiKeyRow::as_select())
            .first(&mut *conn)
            .map(ApiKey::from)
            .map_err(db_err)
    }

    fn api_key_by_hash(&self, key_hash: &str) -> DomainResult<Option<ApiKey>> {
        let mut conn = self.conn()?;
        api_keys::table
            .filter(api_keys::key_hash.eq(key_hash))
            .select(ApiKeyRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(ApiKey::from))
            .map_err(db_err)
    }

    fn list_api_keys(&self) -> DomainResult<Vec<ApiKey>> {
        let mut conn = self.conn()?;
        let rows: Vec<ApiKeyRow> = api_keys::table
            .order(api_keys::id)
            .select(ApiKeyRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn revoke_api_key(&self, id: i64) -> DomainResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            api_keys::table
                .filter(api_keys::id.eq(id))
                .filter(api_keys::revoked_at.is_null()),
        )
        .set(api_keys::revoked_at.eq(Some(naive(newsdesk_domain::article::now()))))
        .execute(&mut *conn)
        .map_err(db_err)?;
        self.accounts_changed(&mut conn);
        Ok(n > 0)
    }
}
