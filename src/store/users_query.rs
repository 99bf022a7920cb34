//! Finding users: the users list's filters, sorts and keyset pages, with
//! totals counted only as far as they are worth counting, and each page's
//! users with their roles.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use super::builder::Sql;
use super::users::{UserRow, SELECT};
use super::Store;
use crate::domain::user::{User, UserPage, UserQuery, UserSort};
use crate::error::{CoreError, CoreResult};

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
        let role = self.plan_role(q).await?;
        // A role with many members is checked per row like a broad word;
        // with nothing else to narrow it, its members are counted from the
        // membership index alone.
        if let Some((role_id, WordPlan::Check)) = &role {
            if plans.is_empty() && q.connection_id.is_none() && q.blocked.is_none() {
                return self.page_of_role(q, role_id, column, numeric, limit).await;
            }
        }
        let broad = (!plans.is_empty() && plans.iter().all(|(_, p)| *p == WordPlan::Check))
            || matches!(role, Some((_, WordPlan::Check)));
        // A broad search counts only up to TOTAL_CAP + 1 matches, driven from
        // the index so it stops there.
        let mut count = if broad {
            Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM users u")
        } else {
            Sql::new("SELECT COUNT(*) FROM users u")
        };
        push_filters(&mut count, q, &count_plans, role.as_ref());
        if broad {
            count.push(" LIMIT ").bind(TOTAL_CAP + 1).push(") capped");
        }
        let mut page = Sql::new(SELECT);
        push_filters(&mut page, q, &plans, role.as_ref());
        self.finish_page(q, page, count, column, numeric, limit, broad)
            .await
    }

    /// A page of a large role's members with no other filter: the exact
    /// total from the membership index (no users read), the rows from the
    /// users in sort order, each checked for membership.
    async fn page_of_role(
        &self,
        q: &UserQuery,
        role_id: &str,
        column: &'static str,
        numeric: bool,
        limit: i64,
    ) -> CoreResult<UserPage> {
        let mut count = Sql::new("SELECT COUNT(*) FROM user_roles WHERE role_id = ");
        count.bind(role_id.to_string());
        let mut page = Sql::new(SELECT);
        push_filters(
            &mut page,
            q,
            &[],
            Some(&(role_id.to_string(), WordPlan::Check)),
        );
        self.finish_page(q, page, count, column, numeric, limit, false)
            .await
    }

    /// Adds the cursor and order to `page`, runs it and `count`, and builds
    /// the page.
    #[allow(clippy::too_many_arguments)]
    async fn finish_page(
        &self,
        q: &UserQuery,
        mut page: Sql<'_>,
        count: Sql<'_>,
        column: &'static str,
        numeric: bool,
        limit: i64,
        broad: bool,
    ) -> CoreResult<UserPage> {
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
            // Only a broad search's count stops at the cap; any other count
            // is exact (it used to be cut to the cap as well, so 2,000 users
            // showed as "1000 users").
            total: if broad { total.min(TOTAL_CAP) } else { total },
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

impl Store {
    /// How the role filter is matched: a role with few members drives the
    /// query from the membership index; one with many is checked per row,
    /// so ORDER BY ... LIMIT stops early (counted only up to the threshold).
    async fn plan_role(&self, q: &UserQuery) -> CoreResult<Option<(String, WordPlan)>> {
        let Some(role_id) = q.role_id.as_ref().filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT 1 FROM user_roles WHERE role_id = $1 LIMIT $2) sized",
        )
        .bind(role_id)
        .bind(BROAD_WORD + 1)
        .fetch_one(&mut *self.read().await?)
        .await?;
        let plan = if n > BROAD_WORD {
            WordPlan::Check
        } else {
            WordPlan::Drive
        };
        Ok(Some((role_id.clone(), plan)))
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

fn push_filters(
    sql: &mut Sql<'_>,
    q: &UserQuery,
    plans: &[(String, WordPlan)],
    role: Option<&(String, WordPlan)>,
) {
    sql.push(" WHERE 1 = 1");
    match role {
        Some((id, WordPlan::Drive)) => {
            sql.push(" AND u.id IN (SELECT r.user_id FROM user_roles r WHERE r.role_id = ")
                .bind(id.clone())
                .push(")");
        }
        Some((id, WordPlan::Check)) => {
            sql.push(
                " AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_id = ",
            )
            .bind(id.clone())
            .push(")");
        }
        None => {}
    }
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
