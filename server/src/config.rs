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

    /// Take client IPs from X-Forwarded-For (only behind proxies that append to it).
    #[arg(long, env = "MASQUERADE_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// With MASQUERADE_TRUST_PROXY: how many proxies append to X-Forwarded-For.
    /// The client is the entry this many places from the right; entries to
    /// its left are whatever the client sent, and are ignored.
    #[arg(
        long,
        env = "MASQUERADE_TRUSTED_PROXY_HOPS",
        default_value_t = 1,
        value_parser = clap::value_parser!(u8).range(1..=16)
    )]
    pub trusted_proxy_hops: u8,

    /// The directory file log streams write to (each names a file in it).
    /// Unset: file streams are off; webhooks still work.
    #[arg(long, env = "MASQUERADE_AUDIT_STREAM_DIR")]
    pub audit_stream_dir: Option<PathBuf>,

    /// Log filter, e.g. `info` or `masquerade=debug,sqlx=warn`.
    #[arg(long, env = "RUST_LOG", default_value = "info,sqlx=warn")]
    pub log: String,

    /// Without a command, the server starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Work with the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain of the audit log and say whether it is
    /// intact; exits 1 at the first break (edited, missing, reordered or
    /// truncated), 2 when the database cannot be read.
    Verify {
        /// A log stream's JSON Lines file (or any file of such lines): its
        /// checkpoints are held against the chain too, so events deleted
        /// together with the head and the database's own checkpoints are
        /// still found.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
}

impl Config {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// The SQLite file the database URL names, if it names one.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        let path = self.database_url.strip_prefix("sqlite:")?;
        let path = path
            .trim_start_matches("//")
            .split('?')
            .next()
            .unwrap_or("");
        Some(std::path::Path::new(path))
    }

    /// The directory of the SQLite file, where a generated master key lives.
    pub fn sqlite_dir(&self) -> Option<std::path::PathBuf> {
        let parent = self.sqlite_file()?.parent();
        Some(match parent {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        })
    }

    /// Makes sure the directory of an SQLite file exists.
    pub fn prepare_data_dir(&self) -> std::io::Result<()> {
        match self.sqlite_file().and_then(|f| f.parent()) {
            Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent),
            _ => Ok(()),
        }
    }
}
