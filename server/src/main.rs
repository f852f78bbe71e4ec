//! The `leadmart-server` binary: `serve`, `migrate`, `seed-demo`, `create-user`.

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::sync::Arc;

use leadmart_server::auth::{NewUser, create_user};
use leadmart_server::credits::provider::StripeCheckout;
use leadmart_server::{AppState, Db, demo};
use leadmart_shared::account::Role;
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(name = "leadmart-server", about = "Leadmart's central API")]
struct Cli {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://leadmart.db")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations, then serve the API. Prints `listening on http://ADDR` once bound.
    Serve {
        /// Address to bind; port 0 picks a free port.
        #[arg(long, env = "LEADMART_BIND", default_value = "127.0.0.1:8710")]
        bind: SocketAddr,
        /// Insert the demo data first (no-op when leads exist).
        #[arg(long)]
        seed_demo: bool,
        /// How many generated leads the demo data adds to the hand-written ones.
        #[arg(long, default_value_t = demo::DEFAULT_GENERATED_LEADS)]
        demo_generated_leads: usize,
    },
    /// Apply migrations and exit.
    Migrate,
    /// Apply migrations and insert demo data (no-op when leads exist).
    SeedDemo {
        /// How many generated leads to add to the hand-written ones.
        #[arg(long, default_value_t = demo::DEFAULT_GENERATED_LEADS)]
        demo_generated_leads: usize,
    },
    /// Create an account (the way admins are made).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, env = "LEADMART_NEW_USER_PASSWORD")]
        password: String,
        /// `agent`, `partner` or `admin`.
        #[arg(long)]
        role: Role,
        #[arg(long, default_value = "")]
        name: String,
        /// Mark the account verified (agents must be verified to buy).
        #[arg(long)]
        verified: bool,
    },
}

/// Stripe Checkout when `STRIPE_SECRET_KEY` is set; otherwise the `dev` provider settles at once.
fn with_payment_provider(state: AppState) -> AppState {
    match std::env::var("STRIPE_SECRET_KEY") {
        Ok(key) if !key.is_empty() => {
            let success = std::env::var("STRIPE_SUCCESS_URL")
                .unwrap_or_else(|_| "https://leadmart.invalid/billing/success".to_owned());
            let cancel = std::env::var("STRIPE_CANCEL_URL")
                .unwrap_or_else(|_| "https://leadmart.invalid/billing/cancel".to_owned());
            tracing::info!("credit purchases go through Stripe Checkout");
            state.with_payments(Arc::new(StripeCheckout::new(key, success, cancel)))
        }
        _ => state,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "leadmart_server=info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let db = Db::connect(&cli.database_url)
        .await
        .with_context(|| format!("could not open the database at {}", cli.database_url))?;
    db.migrate().await.context("could not apply migrations")?;
    // Leads stored before their price bands existed get them now, before anyone browses.
    let priced = leadmart_server::marketplace::store::backfill_price_bands(
        &db,
        &leadmart_server::MarketConfig::default(),
    )
    .await
    .context("could not price the stored leads")?;
    if priced > 0 {
        tracing::info!(
            priced,
            "stored price bands for leads listed before they existed"
        );
    }
    match cli.command {
        Command::Migrate => println!("migrations applied ({})", db.engine()),
        Command::SeedDemo {
            demo_generated_leads,
        } => {
            let inserted =
                demo::seed_demo_with(&db, chrono::Utc::now(), demo_generated_leads).await?;
            println!("demo data: {inserted} leads inserted");
            println!(
                "sign in as {} / {} (agent), {} (partner) or {} (admin), password {}",
                demo::DEMO_AGENT_EMAIL,
                demo::DEMO_PASSWORD,
                demo::DEMO_PARTNER_EMAIL,
                demo::DEMO_ADMIN_EMAIL,
                demo::DEMO_PASSWORD
            );
        }
        Command::CreateUser {
            email,
            password,
            role,
            name,
            verified,
        } => {
            let user = NewUser {
                email: &email,
                password: &password,
                name: &name,
                role,
                verified,
            };
            let id = create_user(&db, user, chrono::Utc::now()).await?;
            println!("created {role} {email} (id {id})");
        }
        Command::Serve {
            bind,
            seed_demo,
            demo_generated_leads,
        } => {
            if seed_demo {
                demo::seed_demo_with(&db, chrono::Utc::now(), demo_generated_leads).await?;
                // Read by `cargo xtask run` to sign the app in as the demo agent.
                println!(
                    "demo agent: {} {}",
                    demo::DEMO_AGENT_EMAIL,
                    demo::DEMO_PASSWORD
                );
            }
            let listener = TcpListener::bind(bind)
                .await
                .with_context(|| format!("could not listen on {bind}"))?;
            let addr = listener.local_addr()?;
            // Parsed by the run command and the end-to-end tests to learn the chosen port.
            println!("listening on http://{addr}");
            let state = with_payment_provider(AppState::new(db));
            leadmart_server::serve(listener, state, shutdown_signal()).await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
