//! The `leadmart-server` binary: `serve`, `migrate`, `seed-demo`, `create-user`.

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::sync::Arc;

use leadmart_server::auth::{NewUser, create_user};
use leadmart_server::credits::provider::{Payments, StripeCheckout};
use leadmart_server::credits::stripe_webhook::StripeWebhookConfig;
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
        /// With `--seed-demo`: give the demo agent five months of history (purchases worked
        /// through every stage, refunds, top-ups) unless they have purchases already.
        #[arg(long, requires = "seed_demo")]
        demo_history: bool,
        /// Who sells credits: `dev` (no money moves) or `stripe`. Without it, credit purchases
        /// are refused (`payments_not_configured`).
        #[arg(long, env = "LEADMART_PAYMENTS", value_enum)]
        payments: Option<PaymentsChoice>,
        /// Who pays partners: `dev` (no money moves). Without it, payout requests are refused
        /// (`payouts_not_configured`).
        #[arg(long, env = "LEADMART_PAYOUTS", value_enum)]
        payouts: Option<PayoutsChoice>,
        /// How uploaded leads' emails are verified: `local` (syntax, domain heuristics,
        /// disposable domains; no network) or `millionverifier` (needs
        /// `MILLIONVERIFIER_API_KEY`). Without it, uploaded leads stay `pending`.
        #[arg(long, env = "LEADMART_EMAIL_VERIFICATION", value_enum)]
        email_verification: Option<VerificationChoice>,
    },
    /// Apply migrations and exit.
    Migrate,
    /// Apply migrations and insert demo data (no-op when leads exist).
    SeedDemo {
        /// How many generated leads to add to the hand-written ones.
        #[arg(long, default_value_t = demo::DEFAULT_GENERATED_LEADS)]
        demo_generated_leads: usize,
        /// Also give the demo agent five months of history (purchases worked through every
        /// stage, refunds, top-ups) unless they have purchases already.
        #[arg(long)]
        history: bool,
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

/// The payment provider to sell credits through; there is deliberately no default.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum PaymentsChoice {
    /// Credits settle at once and no money moves: demos, tests, development.
    Dev,
    /// Stripe Checkout; needs `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET`.
    Stripe,
}

/// The payout provider; there is deliberately no default.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum PayoutsChoice {
    /// Payouts are recorded at once and no money moves: demos, tests, development.
    Dev,
}

/// The email verification provider; there is deliberately no default.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum VerificationChoice {
    Local,
    Millionverifier,
}

fn verification(
    choice: Option<VerificationChoice>,
) -> anyhow::Result<leadmart_server::uploads::verify::EmailVerification> {
    use leadmart_server::uploads::verify::{EmailVerification, MillionVerifier};
    Ok(match choice {
        None => EmailVerification::NotConfigured,
        Some(VerificationChoice::Local) => EmailVerification::local(),
        Some(VerificationChoice::Millionverifier) => {
            let key = required_env("MILLIONVERIFIER_API_KEY")?;
            let base = std::env::var("MILLIONVERIFIER_API_BASE")
                .unwrap_or_else(|_| "https://api.millionverifier.com".to_owned());
            EmailVerification::MillionVerifier(Arc::new(MillionVerifier::new(&base, &key)))
        }
    })
}

fn required_env(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => anyhow::bail!("--payments stripe needs {name} in the environment"),
    }
}

/// The payment configuration chosen on the command line; logs what it means at start-up.
fn payments(choice: Option<PaymentsChoice>) -> anyhow::Result<Payments> {
    Ok(match choice {
        None => {
            tracing::warn!(
                "no payment provider configured (--payments dev|stripe or LEADMART_PAYMENTS): \
                 credit purchases and auto-recharge are refused with payments_not_configured"
            );
            Payments::NotConfigured
        }
        Some(PaymentsChoice::Dev) => {
            tracing::warn!("dev payments: credits are granted at once and no money is charged");
            Payments::Dev
        }
        Some(PaymentsChoice::Stripe) => {
            let key = required_env("STRIPE_SECRET_KEY")?;
            let webhook_secret = required_env("STRIPE_WEBHOOK_SECRET")?;
            let success = std::env::var("STRIPE_SUCCESS_URL")
                .unwrap_or_else(|_| "https://leadmart.invalid/billing/success".to_owned());
            let cancel = std::env::var("STRIPE_CANCEL_URL")
                .unwrap_or_else(|_| "https://leadmart.invalid/billing/cancel".to_owned());
            tracing::info!(
                "credit purchases go through Stripe Checkout; settled by POST /v1/payments/stripe/webhook"
            );
            Payments::Stripe {
                checkout: Arc::new(StripeCheckout::new(key, success, cancel)),
                webhook: Arc::new(StripeWebhookConfig::new(webhook_secret)),
            }
        }
    })
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
    // Leads stored before the inventory's dedupe keys existed get them, before any upload.
    let keyed = leadmart_server::uploads::store::backfill_keys(&db)
        .await
        .context("could not key the stored leads")?;
    if keyed > 0 {
        tracing::info!(
            keyed,
            "stored dedupe keys for leads listed before they existed"
        );
    }
    match cli.command {
        Command::Migrate => println!("migrations applied ({})", db.engine()),
        Command::SeedDemo {
            demo_generated_leads,
            history,
        } => {
            let options = demo::DemoOptions {
                generated: demo_generated_leads,
                history,
            };
            let seeded = demo::seed(&db, chrono::Utc::now(), options).await?;
            println!("demo data: {} leads inserted", seeded.leads);
            if history {
                println!("demo history: {} purchases added", seeded.history_purchases);
            }
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
            demo_history,
            payments: choice,
            payouts,
            email_verification,
        } => {
            // Before anything binds: a Stripe choice without its secrets stops the start-up.
            let payments = payments(choice)?;
            let verification = verification(email_verification)?;
            let payouts = match payouts {
                Some(PayoutsChoice::Dev) => leadmart_server::partners::payout::Payouts::Dev,
                None => leadmart_server::partners::payout::Payouts::NotConfigured,
            };
            if seed_demo {
                let options = demo::DemoOptions {
                    generated: demo_generated_leads,
                    history: demo_history,
                };
                let seeded = demo::seed(&db, chrono::Utc::now(), options).await?;
                if seeded.history_purchases > 0 {
                    tracing::info!(
                        purchases = seeded.history_purchases,
                        "gave the demo agent months of history"
                    );
                }
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
            let mut state = AppState::new(db)
                .with_payments(payments)
                .with_verification(verification)
                .with_payouts(payouts);
            // Web-form tokens signed by one process are checked by any other behind the same
            // load balancer only if they share the secret.
            match std::env::var("LEADMART_INTAKE_SECRET") {
                Ok(secret) if !secret.is_empty() => {
                    let mut market = (*state.market).clone();
                    market.intake_secret =
                        leadmart_server::intake::FormSecret::new(secret.as_bytes());
                    state.market = Arc::new(market);
                }
                _ => tracing::info!(
                    "LEADMART_INTAKE_SECRET not set: web-form tokens are valid on this process only"
                ),
            }
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
