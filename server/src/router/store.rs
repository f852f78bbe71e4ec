//! The router's SQL: the agents who may receive leads, with their preferences, and the record
//! of a routing — its matches and its outcome — plus the admins' queue of unrouted leads.

use chrono::{DateTime, Utc};
use leadmart_shared::agent::AgentProfile;
use leadmart_shared::routing as route_rules;
use route_rules::RouteScope;

use crate::db::{Db, Tx};
use crate::error::ApiError;
use crate::preferences::{self, AgentFlags};
use crate::{MarketConfig, with_pool, with_tx};

/// Every verified, active agent who has saved preferences, as the shared rules see them. An
/// agent whose stored preferences no longer parse is left out (and logged) rather than
/// stopping the listing.
pub async fn candidate_agents(
    tx: &mut Tx,
    market: &MarketConfig,
) -> Result<Vec<AgentProfile>, ApiError> {
    let rows: Vec<(i64, bool, bool, String)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT u.id, u.verified, u.active, p.body FROM users u \
             JOIN agent_preferences p ON p.user_id = u.id \
             WHERE u.role = 'agent' AND u.verified AND u.active ORDER BY u.id",
        )
        .fetch_all(conn)
        .await?
    });
    let mut agents = Vec::with_capacity(rows.len());
    for (id, verified, active, body) in rows {
        let flags = AgentFlags {
            id,
            role: leadmart_shared::account::Role::Agent,
            verified,
            active,
        };
        match preferences::profile_of(
            &flags,
            Some(body),
            market.credit_value.currency,
            &market.agent_time,
        ) {
            Ok((profile, _zone)) => agents.push(profile),
            Err(e) => tracing::warn!(agent = id, error = %e, "preferences unreadable; not routed"),
        }
    }
    Ok(agents)
}

/// Records the routing of lead `lead_id`: who was matched (in the scope), and its outcome.
pub async fn record(
    tx: &mut Tx,
    lead_id: i64,
    scope: RouteScope,
    matched: &[i64],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for user in matched {
        with_tx!(tx, conn => {
            sqlx::query(
                "INSERT INTO lead_matches (lead_id, user_id, scope, matched_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(lead_id)
            .bind(user)
            .bind(scope.as_str())
            .bind(now)
            .execute(conn)
            .await?;
        });
    }
    let notified = i64::try_from(matched.len()).map_err(ApiError::corrupt)?;
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO lead_routing (lead_id, scope, notified, routed_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(lead_id)
        .bind(scope.as_str())
        .bind(notified)
        .bind(now)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Leads nobody was routed to and no admin has cleared, oldest first: `(lead id, routed at)`.
pub async fn unrouted(db: &Db) -> Result<Vec<(i64, DateTime<Utc>)>, ApiError> {
    Ok(with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT lead_id, routed_at FROM lead_routing \
             WHERE scope = 'unrouted' AND cleared_at IS NULL ORDER BY routed_at, lead_id",
        )
        .fetch_all(pool)
        .await?
    }))
}
