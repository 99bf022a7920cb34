use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;

use super::audit::{append, AuditContext};
use super::builder::Sql;
use super::{conflict_on, Store};
use crate::domain::user::{NewUser, User, UserPage, UserPatch, UserQuery, UserSort};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;

const DUPLICATE_EMAIL: &str = "A user with this email already exists.";

const SELECT: &str =
    "SELECT u.id, u.email, u.name, u.picture, u.connection_id, c.name AS connection_name, \
     u.password_hash, u.blocked, u.created_at, u.updated_at, u.last_login_at, u.login_count, \
     u.app_metadata, u.user_metadata FROM users u JOIN connections c ON c.id = u.connection_id";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    picture: Option<String>,
    connection_id: String,
    connection_name: String,
    password_hash: Option<String>,
    blocked: i64,
    created_at: i64,
    updated_at: i64,
    last_login_at: i64,
    login_count: i64,
    app_metadata: String,
    user_metadata: String,
}

#[derive(sqlx::FromRow)]
struct UserRoleRow {
    #[sqlx(flatten)]
    user: UserRow,
    role_id: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            picture: r.picture,
            connection_id: r.connection_id,
            connection_name: r.connection_name,
            blocked: r.blocked != 0,
            has_password: r.password_hash.is_some(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
            login_count: r.login_count,
            app_metadata: serde_json::from_str(&r.app_metadata).unwrap_or_else(|_| json!({})),
            user_metadata: serde_json::from_str(&r.user_metadata).unwrap_or_else(|_| json!({})),
            roles: Vec::new(),
        }
    }
}

/// What a sign-in needs to decide, and nothing more.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRecord {
    pub id: String,
    pub password_hash: Option<String>,
    pub blocked: i64,
}

/// A pre-hashed user for bulk seeding (demo data, benchmarks).
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub email: String,
    pub name: String,
    pub connection_id: String,
    pub password_hash: Option<String>,
    pub blocked: bool,
    pub created_at: i64,
    pub last_login_at: i64,
    pub login_count: i64,
    pub app_metadata: serde_json::Value,
    pub user_metadata: serde_json::Value,
    pub roles: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum CursorValue {
    Int(i64),
    Text(String),
}

fn encode_cursor(sort: UserSort, u: &User) -> String {
    let v = match sort {
        UserSort::Email => CursorValue::Text(u.email.to_lowercase()),
        UserSort::Name => CursorValue::Text(u.name.to_lowercase()),
        UserSort::Created => CursorValue::Int(u.created_at),
        UserSort::LastLogin => CursorValue::Int(u.last_login_at),
    };
    let raw = serde_json::to_vec(&(v, &u.id)).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(s: &str) -> CoreResult<(CursorValue, String)> {
    let bad = || {
        CoreError::field(
            "cursor",
            "This page link is no longer valid; start from the first page.",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    serde_json::from_slice(&raw).map_err(|_| bad())
}

impl Store {
    pub async fn create_user(
        &self,
        ctx: &AuditContext,
        input: &NewUser,
        password_hash: Option<String>,
        roles: &[&str],
        now: i64,
    ) -> CoreResult<User> {
        let (app_md, user_md) = input.validate()?;
        let id = new_id("usr");
        let email = input.email.trim();
        let mut tx = self.begin().await?;
        let conn: Option<(String,)> = sqlx::query_as("SELECT id FROM connections WHERE id = $1")
            .bind(&input.connection_id)
            .fetch_optional(&mut *tx)
            .await?;
        if conn.is_none() {
            return Err(CoreError::field(
                "connection",
                "This connection does not exist.",
            ));
        }
        sqlx::query(
            "INSERT INTO users (id, email, email_lc, name, name_lc, picture, connection_id, password_hash, blocked, \
               created_at, updated_at, app_metadata, user_metadata) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, $10, $11)",
        )
        .bind(&id)
        .bind(email)
        .bind(email.to_lowercase())
        .bind(input.name.trim())
        .bind(input.name.trim().to_lowercase())
        .bind(input.picture.clone().filter(|p| !p.trim().is_empty()))
        .bind(&input.connection_id)
        .bind(password_hash)
        .bind(now)
        .bind(app_md.to_string())
        .bind(user_md.to_string())
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("email", DUPLICATE_EMAIL))?;
        Store::index_user_tx(&mut tx, &id, email, input.name.trim()).await?;
        for role in roles {
            Store::grant_role_tx(&mut tx, &id, role).await?;
        }
        append(
            &mut tx,
            ctx,
            "user.created",
            Some(&id),
            json!({"email": email, "connection_id": input.connection_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_user(&id).await
    }

    /// Inserts many pre-hashed users in one transaction, with one audit event.
    pub async fn seed_users(
        &self,
        ctx: &AuditContext,
        users: &[SeedUser],
        now: i64,
    ) -> CoreResult<Vec<String>> {
        let mut ids = Vec::with_capacity(users.len());
        let mut tx = self.begin().await?;
        for u in users {
            let id = new_id("usr");
            sqlx::query(
                "INSERT INTO users (id, email, email_lc, name, name_lc, picture, connection_id, password_hash, blocked, \
                   created_at, updated_at, last_login_at, login_count, app_metadata, user_metadata) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $9, $10, $11, $12, $13)",
            )
            .bind(&id)
            .bind(&u.email)
            .bind(u.email.to_lowercase())
            .bind(&u.name)
            .bind(u.name.to_lowercase())
            .bind(&u.connection_id)
            .bind(&u.password_hash)
            .bind(i64::from(u.blocked))
            .bind(u.created_at)
            .bind(u.last_login_at)
            .bind(u.login_count)
            .bind(u.app_metadata.to_string())
            .bind(u.user_metadata.to_string())
            .execute(&mut *tx)
            .await
            .map_err(conflict_on("email", DUPLICATE_EMAIL))?;
            Store::index_user_tx(&mut tx, &id, &u.email, &u.name).await?;
            for role in &u.roles {
                Store::grant_role_tx(&mut tx, &id, role).await?;
            }
            ids.push(id);
        }
        append(
            &mut tx,
            ctx,
            "users.seeded",
            None,
            json!({"count": users.len()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The user with their role ids, in one query (it runs on every token
    /// issued to a user): one row per role, or one with no role.
    pub async fn get_user(&self, id: &str) -> CoreResult<User> {
        self.get_users(&[id])
            .await?
            .pop()
            .ok_or(CoreError::NotFound("user"))
    }

    /// The users with these ids that exist, with their roles, in one query
    /// (an impersonation reads both parties on every link).
    pub async fn get_users(&self, ids: &[&str]) -> CoreResult<Vec<User>> {
        let mut q = Sql::new(
            "SELECT u.id, u.email, u.name, u.picture, u.connection_id, c.name AS connection_name, \
             u.password_hash, u.blocked, u.created_at, u.updated_at, u.last_login_at, u.login_count, \
             u.app_metadata, u.user_metadata, r.role_id FROM users u JOIN connections c ON c.id = u.connection_id \
             LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id IN (",
        );
        q.bind_list(ids.iter().copied())
            .push(") ORDER BY u.id, r.role_id");
        let rows: Vec<UserRoleRow> = sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?;
        let mut users: Vec<User> = Vec::new();
        for row in rows {
            match users.last_mut() {
                Some(u) if u.id == row.user.id => u.roles.extend(row.role_id),
                _ => {
                    let mut u = User::from(row.user);
                    u.roles = row.role_id.into_iter().collect();
                    users.push(u);
                }
            }
        }
        Ok(users)
    }

    pub async fn login_record(&self, email: &str) -> CoreResult<Option<LoginRecord>> {
        Ok(
            sqlx::query_as("SELECT id, password_hash, blocked FROM users WHERE email_lc = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&mut *self.read().await?)
                .await?,
        )
    }

    pub async fn update_user(
        &self,
        ctx: &AuditContext,
        id: &str,
        patch: &UserPatch,
        now: i64,
    ) -> CoreResult<User> {
        let (app_md, user_md) = patch.validate()?;
        let email = patch.email.trim();
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET email = $2, email_lc = $3, name = $4, name_lc = $5, picture = $6, \
               app_metadata = $7, user_metadata = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(email)
        .bind(email.to_lowercase())
        .bind(patch.name.trim())
        .bind(patch.name.trim().to_lowercase())
        .bind(Some(patch.picture.trim().to_string()).filter(|p| !p.is_empty()))
        .bind(app_md.to_string())
        .bind(user_md.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("email", DUPLICATE_EMAIL))?
        .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        append(
            &mut tx,
            ctx,
            "user.updated",
            Some(id),
            json!({"email": email}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_user(id).await
    }

    /// Blocking also ends the user's console sessions at once.
    pub async fn set_blocked(
        &self,
        ctx: &AuditContext,
        id: &str,
        blocked: bool,
        now: i64,
    ) -> CoreResult<User> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET blocked = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(blocked))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        if blocked {
            sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            ctx,
            if blocked {
                "user.blocked"
            } else {
                "user.unblocked"
            },
            Some(id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_user(id).await
    }

    /// A new password signs the user out everywhere.
    pub async fn set_password_hash(
        &self,
        ctx: &AuditContext,
        id: &str,
        hash: &str,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, ctx, "user.password_set", Some(id), json!({}), now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_user(&self, ctx: &AuditContext, id: &str, now: i64) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((email,)) = row else {
            return Err(CoreError::NotFound("user"));
        };
        // Explicit deletes rather than relying on ON DELETE CASCADE, which
        // SQLite honours only when foreign_keys is on for that connection.
        for sql in [
            "DELETE FROM console_sessions WHERE user_id = $1",
            "DELETE FROM user_roles WHERE user_id = $1",
            "DELETE FROM user_search WHERE user_id = $1",
            "DELETE FROM users WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        append(
            &mut tx,
            ctx,
            "user.deleted",
            Some(id),
            json!({"email": email}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_users(&self) -> CoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(n)
    }

    /// Filtered, sorted, keyset-paginated search with the total match count.
    pub async fn search_users(&self, q: &UserQuery) -> CoreResult<UserPage> {
        let limit = q.limit.clamp(1, 100);
        let (column, numeric) = match q.sort {
            UserSort::Email => ("u.email_lc", false),
            UserSort::Name => ("u.name_lc", false),
            UserSort::Created => ("u.created_at", true),
            UserSort::LastLogin => ("u.last_login_at", true),
        };
        let (plans, count_plans) = self.plan_words(&q.search).await?;
        let broad = !plans.is_empty() && plans.iter().all(|(_, p)| *p == WordPlan::Check);
        // A broad search counts only up to TOTAL_CAP + 1 matches, driven from
        // the index so it stops there.
        let mut count = if broad {
            Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM users u")
        } else {
            Sql::new("SELECT COUNT(*) FROM users u")
        };
        push_filters(&mut count, q, &count_plans);
        if broad {
            count.push(" LIMIT ").bind(TOTAL_CAP + 1).push(") capped");
        }
        let mut page = Sql::new(SELECT);
        push_filters(&mut page, q, &plans);

        if let Some(cursor) = &q.after {
            let stale = || {
                CoreError::field(
                    "cursor",
                    "This page link is no longer valid; start from the first page.",
                )
            };
            let (value, id) = decode_cursor(cursor)?;
            let cmp = if q.descending { "<" } else { ">" };
            // (col, id) > (v, last_id), written as `col >= v AND (col > v OR
            // id > last_id)`: the first half is a plain range both backends
            // start an index scan from; an OR at the top level would not be.
            let inclusive = if q.descending { "<=" } else { ">=" };
            match (value, numeric) {
                (CursorValue::Int(v), true) => {
                    page.push(&format!(" AND {column} {inclusive} ")).bind(v);
                    page.push(&format!(" AND ({column} {cmp} ")).bind(v);
                }
                (CursorValue::Text(v), false) => {
                    page.push(&format!(" AND {column} {inclusive} "))
                        .bind(v.clone());
                    page.push(&format!(" AND ({column} {cmp} ")).bind(v);
                }
                _ => return Err(stale()),
            }
            page.push(&format!(" OR u.id {cmp} ")).bind(id).push(")");
        }
        let dir = if q.descending { "DESC" } else { "ASC" };
        page.push(&format!(" ORDER BY {column} {dir}, u.id {dir} LIMIT "))
            .bind(limit + 1);

        let (total,): (i64,) = sqlx::query_as_with(&count.text, count.args)
            .fetch_one(&mut *self.read().await?)
            .await?;
        let rows: Vec<UserRow> = sqlx::query_as_with(&page.text, page.args)
            .fetch_all(&mut *self.read().await?)
            .await?;
        let mut users: Vec<User> = rows.into_iter().map(User::from).collect();
        let next = if users.len() as i64 > limit {
            users.truncate(limit as usize);
            users.last().map(|u| encode_cursor(q.sort, u))
        } else {
            None
        };
        self.fill_roles(&mut users).await?;
        let total_capped = broad && total > TOTAL_CAP;
        Ok(UserPage {
            users,
            total: total.min(TOTAL_CAP),
            total_capped,
            next,
        })
    }

    /// Loads the roles of a page of users in one query: the list shows who is
    /// an administrator, and Sign in as User depends on it.
    async fn fill_roles(&self, users: &mut [User]) -> CoreResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let mut q = Sql::new("SELECT user_id, role_id FROM user_roles WHERE user_id IN (");
        q.bind_list(users.iter().map(|u| u.id.clone()))
            .push(") ORDER BY role_id");
        let rows: Vec<(String, String)> = sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?;
        for (user_id, role) in rows {
            if let Some(u) = users.iter_mut().find(|u| u.id == user_id) {
                u.roles.push(role);
            }
        }
        Ok(())
    }

    /// Decides, per search word, whether it drives the query or is checked
    /// per row, from how many index entries it matches (counted only up to
    /// the threshold, so this stays cheap).
    /// Returns the plan for the page query and the plan for the count query
    /// (where the narrowest word always drives: counting has no ORDER BY to
    /// stop early on).
    #[allow(clippy::type_complexity)]
    async fn plan_words(
        &self,
        search: &str,
    ) -> CoreResult<(Vec<(String, WordPlan)>, Vec<(String, WordPlan)>)> {
        let words: Vec<String> = search
            .to_lowercase()
            .split_whitespace()
            .take(5)
            .map(String::from)
            .collect();
        let mut sized = Vec::with_capacity(words.len());
        for w in words {
            let (low, high) = super::search::prefix_range(&w);
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM (SELECT 1 FROM user_search WHERE term >= $1 AND term < $2 LIMIT $3) sized",
            )
            .bind(low)
            .bind(high)
            .bind(DENSE_WORD + 1)
            .fetch_one(&mut *self.read().await?)
            .await?;
            sized.push((w, n));
        }
        // The narrowest word drives when it is narrow; the rest are checked.
        let narrowest = sized
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, n))| *n)
            .map(|(i, (_, n))| (i, *n));
        let plan = |force: bool| -> Vec<(String, WordPlan)> {
            sized
                .iter()
                .enumerate()
                .map(|(i, (w, _))| {
                    let drive =
                        narrowest.is_some_and(|(j, n)| j == i && (force || n <= BROAD_WORD));
                    (
                        w.clone(),
                        if drive {
                            WordPlan::Drive
                        } else {
                            WordPlan::Check
                        },
                    )
                })
                .collect()
        };
        let dense = narrowest.is_some_and(|(_, n)| n > DENSE_WORD);
        Ok((plan(false), if dense { plan(false) } else { plan(true) }))
    }
}

/// How each search word is matched. A word matching few index entries is
/// best used to drive the query (`IN`); one matching a large share of users
/// is best checked per candidate row (`EXISTS`), which lets ORDER BY ... LIMIT
/// stop early. Both backends plan these two shapes well.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WordPlan {
    Drive,
    Check,
}

/// Above this many index entries a word counts as broad.
const BROAD_WORD: i64 = 2000;
/// Above this many, matches are dense enough that even counting is faster
/// by checking rows than by driving from the index.
const DENSE_WORD: i64 = 20_000;
/// Totals of broad searches are counted only this far ("1,000+ users").
pub const TOTAL_CAP: i64 = 1000;

fn push_filters(sql: &mut Sql<'_>, q: &UserQuery, plans: &[(String, WordPlan)]) {
    sql.push(" WHERE 1 = 1");
    // Every word of the query must start some indexed word of the user.
    for (word, plan) in plans {
        let (low, high) = super::search::prefix_range(word);
        match plan {
            WordPlan::Drive => {
                sql.push(" AND u.id IN (SELECT s.user_id FROM user_search s WHERE s.term >= ")
            }
            WordPlan::Check => sql.push(
                " AND EXISTS (SELECT 1 FROM user_search s WHERE s.user_id = u.id AND s.term >= ",
            ),
        };
        sql.bind(low).push(" AND s.term < ").bind(high).push(")");
    }
    if let Some(c) = q.connection_id.as_ref().filter(|c| !c.is_empty()) {
        sql.push(" AND u.connection_id = ").bind(c.clone());
    }
    if let Some(b) = q.blocked {
        sql.push(" AND u.blocked = ").bind(i64::from(b));
    }
}
