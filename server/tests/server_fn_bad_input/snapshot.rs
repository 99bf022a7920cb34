//! The database behind the server, read directly: the audit chain's head
//! after every request, and every table's rows after each function.

use std::collections::BTreeMap;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

pub struct Db {
    pool: SqlitePool,
    /// Per table, a query giving all its rows as one text.
    tables: Vec<(String, String)>,
}

/// Moves on every request with a live console session (the idle timer).
const VOLATILE: &[(&str, &str)] = &[("console_sessions", "last_seen_at")];
/// Written by the server's background work, not by requests: checkpoints
/// of the audit chain and the log streams' cursors.
const BACKGROUND: &[&str] = &["audit_checkpoints", "audit_stream_state"];

impl Db {
    pub async fn open(url: &str) -> Db {
        let options = SqliteConnectOptions::from_str(url)
            .expect("a SQLite URL")
            .read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("open the test database");
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut tables = Vec::new();
        for (table,) in names
            .into_iter()
            .filter(|(t,)| !BACKGROUND.contains(&t.as_str()))
        {
            let columns: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(&table)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let row = columns
                .iter()
                .filter(|(c,)| !VOLATILE.contains(&(table.as_str(), c.as_str())))
                .map(|(c,)| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let query = format!(
                "SELECT coalesce(group_concat(r, char(10)), '') FROM \
                 (SELECT {row} AS r FROM \"{table}\" ORDER BY r)"
            );
            tables.push((table, query));
        }
        Db { pool, tables }
    }

    /// `seq:last_hash` of the audit chain.
    pub async fn audit_head(&self) -> String {
        let (seq, hash): (i64, String) =
            sqlx::query_as("SELECT seq, last_hash FROM audit_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .unwrap();
        format!("{seq}:{hash}")
    }

    pub async fn snapshot(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (table, query) in &self.tables {
            let (rows,): (String,) = sqlx::query_as(query).fetch_one(&self.pool).await.unwrap();
            out.insert(table.clone(), rows);
        }
        out
    }
}

/// The tables whose rows differ, with a glimpse of the first difference.
pub fn changes(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    before
        .iter()
        .filter(|(t, rows)| after.get(*t) != Some(rows))
        .map(|(t, rows)| {
            let now = after.get(t).map(String::as_str).unwrap_or("");
            let old: Vec<&str> = rows.lines().collect();
            let new: Vec<&str> = now.lines().collect();
            let added: Vec<&&str> = new.iter().filter(|l| !old.contains(l)).take(2).collect();
            let gone: Vec<&&str> = old.iter().filter(|l| !new.contains(l)).take(2).collect();
            format!("{t}: added {added:?}, removed {gone:?}")
        })
        .collect()
}
