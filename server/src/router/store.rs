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

/// The routing of one lead: its scope and who was matched.
pub struct Routing {
    pub lead_id: i64,
    pub scope: RouteScope,
    pub matched: Vec<i64>,
}

/// Rows one statement inserts at most.
const ROWS_PER_STATEMENT: usize = 2_000;

/// Records routings: who was matched to each lead (in its scope), and each outcome.
pub async fn record_all(
    tx: &mut Tx,
    routings: &[Routing],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let matches: Vec<(i64, &str, i64)> = routings
        .iter()
        .flat_map(|r| {
            r.matched
                .iter()
                .map(|&user| (r.lead_id, r.scope.as_str(), user))
        })
        .collect();
    for part in matches.chunks(ROWS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO lead_matches (lead_id, user_id, scope, matched_at) ",
            );
            query.push_values(part, |mut row, (lead, scope, user)| {
                row.push_bind(*lead).push_bind(*user).push_bind(*scope).push_bind(now);
            });
            query.build().execute(&mut *conn).await?;
        });
    }
    let outcomes: Vec<(i64, &str, i64)> = routings
        .iter()
        .map(|r| Ok((r.lead_id, r.scope.as_str(), i64::try_from(r.matched.len())?)))
        .collect::<Result<_, std::num::TryFromIntError>>()
        .map_err(ApiError::corrupt)?;
    for part in outcomes.chunks(ROWS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO lead_routing (lead_id, scope, notified, routed_at) ",
            );
            query.push_values(part, |mut row, (lead, scope, notified)| {
                row.push_bind(*lead).push_bind(*scope).push_bind(*notified).push_bind(now);
            });
            query.build().execute(&mut *conn).await?;
        });
    }
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
