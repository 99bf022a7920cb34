//! The two migration sets describe one schema: the same files in the same
//! order, and after running them the same tables with the same columns and
//! the same named indexes on SQLite and PostgreSQL. (Column types differ by
//! dialect and are not compared.)

use std::collections::BTreeMap;

use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::Store;
use sqlx::AnyPool;

type Schema = BTreeMap<String, Vec<String>>;

fn files(dir: &str) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    names.sort();
    names
}

async fn rows(db: &AnyPool, sql: &str) -> Vec<(String, String)> {
    sqlx::query_as(sql).fetch_all(db).await.unwrap()
}

fn group(pairs: Vec<(String, String)>) -> Schema {
    let mut out = Schema::new();
    for (table, column) in pairs {
        out.entry(table).or_default().push(column);
    }
    for cols in out.values_mut() {
        cols.sort();
    }
    out
}

async fn sqlite_schema(url: &str) -> (Schema, Vec<String>) {
    Store::open(url).await.unwrap();
    let db = AnyPool::connect(url).await.unwrap();
    let columns = rows(
        &db,
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .await;
    let mut indexes: Vec<String> = rows(
        &db,
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
    )
    .await
    .into_iter()
    .map(|(name, table)| format!("{table}.{name}"))
    .collect();
    indexes.sort();
    (group(columns), indexes)
}

async fn postgres_schema(url: &str) -> (Schema, Vec<String>) {
    Store::open(url).await.unwrap();
    let db = AnyPool::connect(url).await.unwrap();
    let columns = rows(
        &db,
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .await;
    // Primary keys and unique constraints are implicit indexes in SQLite
    // (sqlite_autoindex_*); here they are the *_pkey and *_key ones.
    let mut indexes: Vec<String> = rows(
        &db,
        "SELECT CAST(indexname AS TEXT), CAST(tablename AS TEXT) FROM pg_indexes \
         WHERE schemaname = current_schema() AND tablename <> '_sqlx_migrations' \
           AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
    )
    .await
    .into_iter()
    .map(|(name, table)| format!("{table}.{name}"))
    .collect();
    indexes.sort();
    (group(columns), indexes)
}

#[tokio::test]
async fn both_migration_sets_make_the_same_schema() {
    assert_eq!(
        files("sqlite"),
        files("postgres"),
        "the same migrations, by name"
    );
    let (url, _dir) = fresh_sqlite_url();
    let (lite_tables, lite_indexes) = sqlite_schema(&url).await;
    let (pg_tables, pg_indexes) = postgres_schema(&fresh_pg_url().await).await;
    assert!(lite_tables.len() > 10, "{lite_tables:?}");
    for (table, columns) in &lite_tables {
        assert_eq!(
            Some(columns),
            pg_tables.get(table),
            "table {table}: columns on SQLite, then on PostgreSQL"
        );
    }
    assert_eq!(
        lite_tables.keys().collect::<Vec<_>>(),
        pg_tables.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    assert!(lite_indexes.len() > 5, "{lite_indexes:?}");
    assert_eq!(lite_indexes, pg_indexes, "the same named indexes");
}
