//! Opens the database, prepares first-run data, builds the router and
//! serves until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::routing::get;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use masquerade::keys::{KeyRing, MasterKey};
use masquerade::store::sessions::SessionPolicy;
use masquerade::{bootstrap, demo, RuntimeConfig, Services, Store};

use app::state::AppState;
use app::{shell, App};

use crate::config::Config;
use crate::guard;

pub async fn run(cfg: Config) -> Result<(), String> {
    let started = Instant::now();
    cfg.prepare_data_dir()
        .map_err(|e| format!("cannot create the data directory: {e}"))?;
    let store = Store::open(&cfg.database_url)
        .await
        .map_err(|e| format!("{e}: {}", detail(&e)))?;
    let public_url = cfg.public_url();
    let now = masquerade::unix_now();
    let default_conn = bootstrap::ensure_defaults(&store, now)
        .await
        .map_err(|e| detail(&e))?;

    let management = bootstrap::ensure_management_api(&store, &public_url, now)
        .await
        .map_err(|e| format!("management API: {}", detail(&e)))?;
    if let (Some(id), Some(secret)) = (&cfg.bootstrap_client_id, &cfg.bootstrap_client_secret) {
        if secret.len() < 24 {
            return Err("MASQUERADE_BOOTSTRAP_CLIENT_SECRET must be at least 24 characters".into());
        }
        bootstrap::ensure_bootstrap_client(&store, &management, id, secret, now)
            .await
            .map_err(|e| format!("bootstrap client: {}", detail(&e)))?;
    }
    if cfg.demo {
        let seeded = demo::seed(
            &store,
            &default_conn,
            &public_url,
            &cfg.sample_app_secret,
            now,
        )
        .await
        .map_err(|e| format!("demo data: {}", detail(&e)))?;
        if seeded.created {
            tracing::info!("demo data seeded");
        }
    }
    // With --demo the demo administrator exists, so a generated one is only
    // made when nothing else would let anyone in.
    let first_admin = if cfg.admin_email.is_some() || !cfg.demo {
        bootstrap::ensure_admin(
            &store,
            &default_conn,
            cfg.admin_email.as_deref(),
            cfg.admin_password.as_deref(),
            now,
        )
        .await
        .map_err(|e| format!("administrator: {}", detail(&e)))?
    } else {
        None
    };

    let mut runtime = RuntimeConfig::new(&public_url);
    runtime.audit_stream_dir = cfg.audit_stream_dir.clone();
    runtime.sessions = SessionPolicy {
        idle_secs: cfg.session_idle_minutes.max(1) * 60,
        absolute_secs: cfg.session_max_hours.max(1) * 3600,
    };
    runtime.trusted_proxy_hops = if cfg.trust_proxy {
        usize::from(cfg.trusted_proxy_hops)
    } else {
        0
    };
    let master = master_key(&cfg)?;
    let keys = KeyRing::open(store.clone(), master, now)
        .await
        .map_err(|e| format!("signing keys: {}", detail(&e)))?;
    let services = Arc::new(Services {
        store: store.clone(),
        config: runtime,
        keys,
    });

    let leptos_options = LeptosOptions::builder()
        .output_name("masquerade")
        .site_root(cfg.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(cfg.listen)
        .env(
            if std::env::var("LEPTOS_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("dev")) {
                Env::DEV
            } else {
                Env::PROD
            },
        )
        .build();
    crate::audit_worker::spawn(services.clone());
    let state = AppState {
        leptos_options,
        services,
    };
    let sample = cfg.demo.then(|| {
        crate::sample_app::router(
            &public_url,
            demo::SAMPLE_APP_CLIENT_ID,
            &cfg.sample_app_secret,
        )
    });
    let app = router(state, sample);

    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "listening on {}",
        cfg.listen
    );
    print_banner(&cfg, &public_url, first_admin.as_ref());

    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The configured master key or, for the embedded SQLite default, one kept
/// next to the database (created on first run, readable by the owner only).
fn master_key(cfg: &Config) -> Result<MasterKey, String> {
    if let Some(k) = &cfg.master_key {
        return MasterKey::parse(k).map_err(|e| format!("MASQUERADE_MASTER_KEY: {}", detail(&e)));
    }
    let Some(dir) = cfg.sqlite_dir() else {
        return Err(
            "MASQUERADE_MASTER_KEY is required with PostgreSQL: every instance must share it. \
                    Generate one with `openssl rand -base64 32`."
                .into(),
        );
    };
    let path = dir.join("master.key");
    let encoded = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let k = MasterKey::generate();
            write_private(&path, &k)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!("generated a master key in {}", path.display());
            k
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    MasterKey::parse(&encoded).map_err(|e| format!("{}: {}", path.display(), detail(&e)))
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(contents.as_bytes())
}

fn detail(e: &masquerade::CoreError) -> String {
    match e {
        masquerade::CoreError::Internal(m) => m.clone(),
        other => other.to_string(),
    }
}

pub fn router(state: AppState, sample: Option<Router>) -> Router {
    let routes = generate_route_list(App);
    let shell_options = state.leptos_options.clone();
    let context_state = state.clone();
    let guarded = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/audit/export", get(crate::audit_export::console))
        .merge(crate::oidc::routes())
        .merge(crate::api::routes())
        .nest_service("/sample-app", sample.unwrap_or_default())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(crate::server_fns::front_door))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_session,
        ))
        .layer(axum::middleware::from_fn(guard::csrf));
    Router::new()
        .merge(crate::test_routes::routes())
        .merge(crate::oidc::oauth_routes())
        .merge(guarded)
        .layer(axum::middleware::from_fn(guard::security_headers))
        // Outermost, so no panic below it drops the connection.
        .layer(axum::middleware::from_fn(crate::panic_guard::catch_panics))
        .with_state(state)
}

fn print_banner(cfg: &Config, public_url: &str, first_admin: Option<&bootstrap::FirstAdmin>) {
    println!();
    println!("  Masquerade is running at {public_url}/");
    println!(
        "  Database: {}",
        masquerade::store::redact(&cfg.database_url)
    );
    if cfg.demo {
        for (who, email) in [
            ("Demo administrator:", demo::DEMO_ADMIN_EMAIL),
            ("Demo support agent:", demo::DEMO_SUPPORT_EMAIL),
            ("Demo auditor:", demo::DEMO_AUDITOR_EMAIL),
            ("Demo customer:", demo::DEMO_CUSTOMER_EMAIL),
        ] {
            println!("  {who:<20} {email} / {}", demo::DEMO_PASSWORD);
        }
    }
    if let Some(a) = first_admin {
        match &a.generated_password {
            Some(p) => println!(
                "  Administrator created: {} / {p}  (shown once; change it after signing in)",
                a.email
            ),
            None => println!("  Administrator created: {}", a.email),
        }
    }
    println!();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
