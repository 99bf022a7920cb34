//! Command-line flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "masquerade",
    version,
    about = "Masquerade: a self-hosted identity provider with safe, audited \"Sign in as User\".",
    after_help = "Every flag can also be set through the environment variable shown with it."
)]
pub struct Config {
    /// Database URL: `sqlite:PATH` (default, embedded) or `postgres://USER@HOST:PORT/DB` for scale-out.
    #[arg(
        long,
        env = "MASQUERADE_DATABASE_URL",
        default_value = "sqlite:data/masquerade.db"
    )]
    pub database_url: String,

    /// Address to listen on.
    #[arg(long, env = "MASQUERADE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Externally visible base URL (issuer, cookie security, redirects). Defaults to http://<listen>.
    #[arg(long, env = "MASQUERADE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Directory holding the compiled site (pkg/ with wasm, js, css).
    #[arg(long, env = "MASQUERADE_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Master key (32 bytes, base64 or hex) that encrypts signing keys at rest.
    /// With SQLite and no key configured, one is generated into `<data dir>/master.key`.
    #[arg(long, env = "MASQUERADE_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,

    /// Seed demo data (administrator, support agent, 200 users, three applications) on first start.
    #[arg(long, env = "MASQUERADE_DEMO")]
    pub demo: bool,

    /// Email of an administrator to create at start-up if it does not exist.
    #[arg(long, env = "MASQUERADE_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Password for MASQUERADE_ADMIN_EMAIL; when unset, one is generated and printed once.
    #[arg(long, env = "MASQUERADE_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Client secret of the demo's sample application.
    #[arg(
        long,
        env = "MASQUERADE_SAMPLE_APP_SECRET",
        hide_env_values = true,
        default_value = "sample-app-demo-secret-change-me"
    )]
    pub sample_app_secret: String,

    /// Client id of a machine-to-machine application to create (or update) at
    /// start-up, holding every Management API permission.
    #[arg(
        long,
        env = "MASQUERADE_BOOTSTRAP_CLIENT_ID",
        requires = "bootstrap_client_secret"
    )]
    pub bootstrap_client_id: Option<String>,

    /// Client secret for MASQUERADE_BOOTSTRAP_CLIENT_ID (at least 24 characters).
    #[arg(
        long,
        env = "MASQUERADE_BOOTSTRAP_CLIENT_SECRET",
        hide_env_values = true,
        requires = "bootstrap_client_id"
    )]
    pub bootstrap_client_secret: Option<String>,

    /// Console session idle timeout, in minutes.
    #[arg(long, env = "MASQUERADE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Console session absolute lifetime, in hours.
    #[arg(long, env = "MASQUERADE_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,

    /// Trust X-Forwarded-For for client IPs (only behind a proxy that sets it).
    #[arg(long, env = "MASQUERADE_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Log filter, e.g. `info` or `masquerade=debug,sqlx=warn`.
    #[arg(long, env = "RUST_LOG", default_value = "info,sqlx=warn")]
    pub log: String,
}

impl Config {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// The directory of the SQLite file, where a generated master key lives.
    pub fn sqlite_dir(&self) -> Option<std::path::PathBuf> {
        let path = self.database_url.strip_prefix("sqlite:")?;
        let path = path
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or("");
        Some(
            std::path::Path::new(path)
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        std::path::Path::new(".")
                    } else {
                        p
                    }
                })
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf(),
        )
    }

    /// Makes sure the directory of an SQLite file exists.
    pub fn prepare_data_dir(&self) -> std::io::Result<()> {
        if let Some(path) = self.database_url.strip_prefix("sqlite:") {
            let path = path
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or("");
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
        }
        Ok(())
    }
}
