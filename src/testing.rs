//! Test support: throwaway databases on the real engines. A PostgreSQL
//! cluster is started once per test process in a temporary directory on a
//! free loopback port (or taken from MASQUERADE_TEST_PG_URL), and a
//! watchdog stops it when the process exits.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::domain::impersonation::Impersonation;
use crate::secrets::new_id;

static CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();

fn pg_bin(name: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("MASQUERADE_PG_BIN") {
        return Path::new(&dir).join(name);
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join("bin").join(name))
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates
        .into_iter()
        .rev()
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root
/// (initdb refuses to run as root).
fn run_pg(tool: &str, args: &[&str]) -> Result<(), String> {
    let bin = pg_bin(tool);
    let out = if is_root() {
        Command::new("runuser")
            .arg("-u")
            .arg("postgres")
            .arg("--")
            .arg(&bin)
            .args(args)
            .output()
    } else {
        Command::new(&bin).args(args).output()
    }
    .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed: {}{}",
            bin.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}

fn start_cluster() -> Result<String, String> {
    if let Ok(url) = std::env::var("MASQUERADE_TEST_PG_URL") {
        return Ok(url);
    }
    let dir = std::env::temp_dir().join(format!("masquerade-pg-{}", new_id("t")));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if is_root() {
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
    }
    let data = dir.join("data");
    let data_s = data.to_string_lossy().to_string();
    let dir_s = dir.to_string_lossy().to_string();
    run_pg(
        "initdb",
        &["-D", &data_s, "-A", "trust", "-U", "postgres", "--no-sync"],
    )?;
    let port = free_port();
    let opts = format!(
        "-p {port} -k {dir_s} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    );
    let log = dir.join("log").to_string_lossy().to_string();
    run_pg(
        "pg_ctl",
        &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "start"],
    )?;
    // The watchdog outlives us by design: it waits for this process to exit,
    // then stops the cluster and removes its directory.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runas}{pg_ctl} -D {data_s} -m immediate stop >/dev/null 2>&1; rm -rf {dir_s}",
        pid = std::process::id(),
        runas = if is_root() { "runuser -u postgres -- " } else { "" },
        pg_ctl = pg_bin("pg_ctl").display(),
    );
    Command::new("sh")
        .arg("-c")
        .arg(stop)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}"))
}

/// The base URL of the shared test cluster (no database name).
pub fn pg_cluster_url() -> Result<String, String> {
    CLUSTER.get_or_init(start_cluster).clone()
}

/// A brand-new, empty PostgreSQL database on the test cluster.
pub async fn fresh_pg_url() -> String {
    use sqlx::Connection;
    let base = pg_cluster_url().unwrap_or_else(|e| panic!("PostgreSQL test cluster: {e}"));
    let base = base.trim_end_matches('/');
    let name = new_id("t").replace('_', "");
    let mut conn = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap_or_else(|e| panic!("connect to test cluster: {e}"));
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|e| panic!("create test database: {e}"));
    format!("{base}/{name}")
}

/// A brand-new SQLite database file in a temporary directory that lives
/// as long as the returned guard.
pub fn fresh_sqlite_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    (url, dir)
}

/// Runs one statement against a test database behind a running server, for
/// what no API offers on purpose (moving a record's clock, for instance).
pub async fn execute(url: &str, statement: &str) -> u64 {
    let pool = any_pool(url).await;
    sqlx::query(statement)
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"))
        .rows_affected()
}

/// The first column of every row, as text.
pub async fn strings(url: &str, statement: &str) -> Vec<String> {
    let pool = any_pool(url).await;
    let rows: Vec<(String,)> = sqlx::query_as(statement)
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    rows.into_iter().map(|r| r.0).collect()
}

async fn any_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// A Sign in as User link minted at `now` for the sample app's code flow,
/// good for two minutes, that nothing has happened to yet.
pub fn fresh_link(id: &str, now: i64) -> Impersonation {
    Impersonation {
        id: id.into(),
        actor_id: "usr_actor".into(),
        actor_email: "actor@example.com".into(),
        target_id: "usr_target".into(),
        target_email: "target@example.com".into(),
        client_id: "app".into(),
        reason: "ticket".into(),
        response_type: "code".into(),
        response_mode: "query".into(),
        scope: "openid".into(),
        state: "s".into(),
        redirect_uri: "https://app.example/cb".into(),
        created_at: now,
        expires_at: now + 120,
        ..Default::default()
    }
}

/// The core's services on a test database, as the server builds them:
/// the store, a key ring under a fresh master key, and the configuration
/// for `public_url`.
pub async fn services(url: &str, public_url: &str, now: i64) -> crate::Services {
    use crate::keys::{KeyRing, MasterKey};
    let store = crate::Store::open(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    let master = MasterKey::parse(&MasterKey::generate()).unwrap_or_else(|e| panic!("{e}"));
    let keys = KeyRing::open(store.clone(), master, now)
        .await
        .unwrap_or_else(|e| panic!("key ring: {e}"));
    crate::Services {
        store,
        config: crate::RuntimeConfig::new(public_url),
        keys,
    }
}

/// Request parameters as the protocol functions take them.
pub fn params(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}
