//! `masquerade audit verify` from the command line, on both databases: the
//! sentence and exit status for an intact log, for a log whose newest
//! events were deleted (the triggers that refuse it dropped first, as only
//! the database owner could), and for a database that is not there.

use std::process::Command;

use masquerade::bootstrap::ensure_defaults;
use masquerade::domain::NewUser;
use masquerade::store::AuditContext;
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::Store;

const NOW: i64 = 1_800_000_000;

/// Runs the command; (exit status, stdout).
fn verify(url: &str) -> (i32, String) {
    verify_with(url, &[])
}

fn verify_with(url: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_masquerade"))
        .args(["audit", "verify"])
        .args(args)
        .env("MASQUERADE_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run masquerade audit verify");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}

async fn verifies_and_finds_a_truncated_log(url: &str) {
    let store = Store::open(url).await.unwrap();
    let conn = ensure_defaults(&store, NOW).await.unwrap();
    for i in 0..4 {
        let user = NewUser {
            email: format!("u{i}@example.com"),
            connection_id: conn.clone(),
            ..Default::default()
        };
        store
            .create_user(&AuditContext::system(), &user, None, &[], NOW + i)
            .await
            .unwrap();
    }
    let (head,): (i64,) = sqlx::query_as("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&sqlx::AnyPool::connect(url).await.unwrap())
        .await
        .unwrap();
    assert!(head >= 5);

    let (code, said) = verify(url);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.starts_with(&format!(
            "{head} events verified, chain intact up to seq {head}."
        )),
        "{said}"
    );

    // A stream's copy of a checkpoint of the head as it is now.
    let (head_hash,): (String,) = sqlx::query_as("SELECT last_hash FROM audit_head WHERE id = 1")
        .fetch_one(&sqlx::AnyPool::connect(url).await.unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("stream.jsonl");
    std::fs::write(
        &copy,
        format!(
            "{{\"type\":\"event\",\"seq\":1}}\nnot json\n{{\"type\":\"checkpoint\",\"seq\":{head},\"hash\":\"{head_hash}\"}}\n"
        ),
    )
    .unwrap();
    let (code, said) = verify_with(url, &["--checkpoints", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");

    let db = sqlx::AnyPool::connect(url).await.unwrap();
    let drops: &[&str] = if url.starts_with("postgres") {
        &["DROP TRIGGER audit_events_append_only ON audit_events"]
    } else {
        &["DROP TRIGGER audit_events_no_delete"]
    };
    for d in drops {
        sqlx::query(d).execute(&db).await.unwrap();
    }
    sqlx::query("DELETE FROM audit_events WHERE seq = $1")
        .bind(head)
        .execute(&db)
        .await
        .unwrap();
    let (code, said) = verify(url);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.starts_with(&format!("Chain broken at seq {head}: ")) && said.contains("(truncated)"),
        "{said}"
    );

    // Rewind the head too: the database alone now looks whole; the
    // stream's checkpoint does not agree.
    let (prev,): (String,) = sqlx::query_as("SELECT hash FROM audit_events WHERE seq = $1")
        .bind(head - 1)
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, last_hash = $2 WHERE id = 1")
        .bind(head - 1)
        .bind(&prev)
        .execute(&db)
        .await
        .unwrap();
    let (code, said) = verify(url);
    assert_eq!(code, 0, "the database alone is fooled: {said}");
    let (code, said) = verify_with(url, &["--checkpoints", copy.to_str().unwrap()]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("seq {head}")) && said.contains("(truncated)"),
        "{said}"
    );
    let (code, _) = verify_with(url, &["--checkpoints", "/nonexistent/file.jsonl"]);
    assert_eq!(code, 2, "an unreadable file");
}

#[tokio::test]
async fn sqlite_audit_verify() {
    let (url, dir) = fresh_sqlite_url();
    verifies_and_finds_a_truncated_log(&url).await;
    let missing = format!("sqlite:{}", dir.path().join("nothing-here.db").display());
    let (code, said) = verify(&missing);
    assert_eq!(
        (code, said.as_str()),
        (2, ""),
        "no database: status 2, nothing on stdout"
    );
    assert!(
        !dir.path().join("nothing-here.db").exists(),
        "and none created"
    );
}

#[tokio::test]
async fn postgres_audit_verify() {
    verifies_and_finds_a_truncated_log(&fresh_pg_url().await).await;
}
