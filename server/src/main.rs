//! `server`: run Gatehouse's backend.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use server::db::Db;
use server::mail::Mailer;
use server::{AppState, app, demo};

#[derive(Debug, Parser)]
#[command(name = "server", about = "Gatehouse backend")]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Data folder: the embedded SQLite database and the mail outbox.
    #[arg(long, env = "GATEHOUSE_DATA", default_value = "./data")]
    data: PathBuf,
    /// `postgres://...` for PostgreSQL; unset means SQLite under --data.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// `smtp://user:pass@host:port`; unset writes .eml files to <data>/outbox.
    #[arg(long, env = "SMTP_URL")]
    smtp_url: Option<String>,
    /// The built SPA to serve.
    #[arg(long, env = "GATEHOUSE_DIST", default_value = "./dist")]
    dist: PathBuf,
    /// Base URL used in emailed links (default: http://ADDR).
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Memory for cached workspace facts, in MiB (least recently used
    /// workspaces are dropped beyond it).
    #[arg(long, env = "GATEHOUSE_CACHE_MIB", default_value_t = 512)]
    cache_mib: u64,
    /// Proxies whose `X-Forwarded-For` names the client (comma-separated
    /// addresses); from anyone else the header is ignored.
    #[arg(long, env = "GATEHOUSE_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxy: Vec<std::net::IpAddr>,
    /// Sign-in and sign-up attempts per client address per minute (per
    /// server process).
    #[arg(long, env = "GATEHOUSE_SIGN_INS_PER_MINUTE", default_value_t = server::throttle::DEFAULT_PER_MINUTE)]
    sign_ins_per_minute: u32,
    /// Seconds between the keep-alive comments of idle event streams.
    #[arg(long, env = "GATEHOUSE_LIVE_KEEP_ALIVE_SECS", default_value_t = 15)]
    live_keep_alive_secs: u64,
    /// Seed the demo data if the database is empty.
    #[arg(long)]
    demo: bool,
    /// For end-to-end tests only: `POST /api/test/clock` moves this server's
    /// clock forward (to pass an expiry). Never in production.
    #[arg(long, hide = true)]
    test_clock: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a platform-support account (or mark an existing one).
    CreateSupport {
        email: String,
        name: String,
        /// Password for a new account (env GATEHOUSE_SUPPORT_PASSWORD).
        #[arg(long, env = "GATEHOUSE_SUPPORT_PASSWORD")]
        password: String,
    },
    /// Seed benchmark workspaces (`cargo xtask bench`): S, M or L, `--copies`
    /// of them; prints one JSON line per workspace (ids, sign-ins).
    BenchSeed {
        size: String,
        #[arg(long, default_value_t = 1)]
        copies: u32,
        #[arg(long, default_value = "bench")]
        tag: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let url = match &cli.database_url {
        Some(u) => u.clone(),
        None => Db::sqlite_url(&cli.data)?,
    };
    let db = Db::connect(&url).await?;
    let mailer = Mailer::from_settings(cli.smtp_url.as_deref(), cli.data.join("outbox"))?;
    let public_url = cli.public_url.clone().unwrap_or_else(|| format!("http://{}", cli.addr));
    let cache = server::facts_cache::FactsCache::new(cli.cache_mib, false);
    let state = AppState::new(db, mailer, public_url.clone(), cache)
        .with_sign_in_limits(cli.trusted_proxy.clone(), cli.sign_ins_per_minute);
    if let Some(Command::CreateSupport { email, name, password }) = &cli.command {
        let id =
            demo::create_support(&state, email, name, password).await.map_err(|e| e.to_string())?;
        println!("support account {email} (id {id}) ready");
        return Ok(());
    }
    if let Some(Command::BenchSeed { size, copies, tag }) = &cli.command {
        let size = server::bench_seed::Size::parse(size).ok_or("the size must be s, m or l")?;
        for w in server::bench_seed::seed(&state.db, size, *copies, tag, state.now())
            .await
            .map_err(|e| e.to_string())?
        {
            println!("{}", w.json());
        }
        return Ok(());
    }
    if cli.demo {
        if let Some(signins) = demo::seed_if_empty(&state).await.map_err(|e| e.to_string())? {
            println!(
                "\nDemo data seeded. Sign in at {public_url} with any of (password `{}`):",
                demo::PASSWORD
            );
            for (who, email) in signins {
                println!("  {who:<34} {email}");
            }
            println!();
        } else {
            println!(
                "Database already has data; demo not re-seeded. Demo password: `{}`",
                demo::PASSWORD
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    println!(
        "Gatehouse listening on {public_url} (database: {})",
        if url.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" }
    );
    tokio::spawn(server::maintenance::run(state.clone()));
    tokio::spawn(server::throttle::upkeep(state.throttle.clone()));
    state.live.set_keep_alive(std::time::Duration::from_secs(cli.live_keep_alive_secs));
    tokio::spawn(server::live::run(state.clone(), cli.database_url.clone()));
    let live = state.live.clone();
    let router = if cli.test_clock {
        app(state.clone(), Some(&cli.dist)).merge(server::test_clock::router(state))
    } else {
        app(state, Some(&cli.dist))
    };
    // The peer address reaches handlers (sign-in limits per client).
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams end, so their connections can close.
            live.close();
        })
        .await
        .map_err(|e| format!("server error: {e}"))
}

/// Ctrl-C, or SIGTERM (what service managers and containers send): finish
/// the requests in flight, then stop.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
