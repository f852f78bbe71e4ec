//! One chunk of an upload, from rows to listed leads: every row validated again by the shared
//! row rules with the upload's mapping (the client's importer is never trusted), made a listing
//! by the shared upload rules, de-duplicated within the chunk and against the whole inventory
//! (platform-owned leads and other partners' leads win; the partner's own earlier rows count),
//! emails verified, then — in one transaction — the chunk claimed, leads inserted many per
//! statement, keys recorded, the partner's first leads listed and routed (later ones wait for
//! review), rejected rows kept with their reasons.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leadmart_shared::csv_rules::{
    HeaderMapping, RowIssue, RowProblem, RowRules, RowValidator, rejection_reasons,
};
use leadmart_shared::dedupe::{DedupeKeys, KeyKind, UploadDeduper};
use leadmart_shared::ids::PartnerId;
use leadmart_shared::intake::IntakeLead;
use leadmart_shared::lead::{Category, Lead, LeadSource, ListingStatus};
use leadmart_shared::upload::{NewLeadFate, listing_of_row, new_lead_fate, ratio};
use leadmart_shared::verification::passes;
use leadmart_shared::wire::partner::{ChunkReceipt, UploadChunk, UploadCounts};
use sha2::{Digest, Sha256};

use super::store::{self, KeyRecord, Rejection, StoredUpload, UploadedLead};
use crate::error::{ApiError, ApiErrorCode};
use crate::{AppState, intake, router};

/// The code of a row the row rules passed but the marketplace cannot list (no region, no
/// budget, no category): its reasons say what is missing.
pub const NOT_LISTABLE: &str = "not_listable";

/// What became of one row before the inventory was asked.
enum Checked<'a> {
    Candidate {
        line: i64,
        lead: Box<IntakeLead>,
        keys: DedupeKeys,
    },
    /// `duplicate`: rejected for colliding with another row, not for what it holds.
    Rejected {
        rejection: Rejection<'a>,
        duplicate: bool,
    },
}

fn rejection<'a>(
    line: i64,
    cells: &'a [String],
    problems: &[RowProblem],
    mapping: &HeaderMapping,
) -> Rejection<'a> {
    Rejection {
        line,
        cells,
        codes: problems
            .iter()
            .map(|p| p.issue.code())
            .collect::<Vec<_>>()
            .join(","),
        reasons: rejection_reasons(problems, mapping),
    }
}

fn duplicate(issue: RowIssue) -> Vec<RowProblem> {
    vec![RowProblem {
        column: None,
        field: None,
        issue,
    }]
}

/// The SHA-256 of a chunk's rows, lower-case hex: a chunk sent again must carry the same rows.
pub fn chunk_hash(chunk: &UploadChunk) -> Result<String, ApiError> {
    let bytes = serde_json::to_vec(&chunk.rows).map_err(ApiError::corrupt)?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// The answer for chunk `n` when it is already stored: its first counts, or a conflict when
/// the rows differ.
fn replay(
    upload_id: i64,
    n: u32,
    stored: &store::ChunkRow,
    hash: &str,
) -> Result<ChunkReceipt, ApiError> {
    if stored.body_hash != hash {
        return Err(ApiError::coded(
            axum::http::StatusCode::CONFLICT,
            ApiErrorCode::ChunkConflict,
            format!("chunk {n} was already received with other rows; the first rows are kept"),
        ));
    }
    Ok(ChunkReceipt {
        upload_id: upload_id.to_string(),
        chunk: n,
        counts: stored.counts(),
        replayed: true,
    })
}

pub fn upload_closed() -> ApiError {
    ApiError::coded(
        axum::http::StatusCode::CONFLICT,
        ApiErrorCode::UploadClosed,
        "this upload was completed or cancelled; start a new upload to send more rows",
    )
}

pub fn partner_suspended() -> ApiError {
    ApiError::coded(
        axum::http::StatusCode::FORBIDDEN,
        ApiErrorCode::PartnerSuspended,
        "your partner account is suspended; please contact the marketplace",
    )
}

/// The mapping the partner chose, as the shared row rules read it.
pub fn mapping_of(upload: &StoredUpload) -> Result<HeaderMapping, ApiError> {
    let columns = upload.columns()?;
    let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
    let mut mapping = HeaderMapping::auto(&headers);
    for (i, column) in columns.iter().enumerate() {
        mapping.set(i, column.field);
    }
    Ok(mapping)
}

/// Ingests chunk `n` of `upload` (owned by the caller, checked open by the caller).
pub async fn ingest_chunk(
    state: &AppState,
    upload: &StoredUpload,
    n: u32,
    chunk: &UploadChunk,
    now: DateTime<Utc>,
) -> Result<ChunkReceipt, ApiError> {
    let market = &state.market;
    let hash = chunk_hash(chunk)?;
    if let Some(stored) = store::chunk(&state.db, upload.id, i64::from(n)).await? {
        return replay(upload.id, n, &stored, &hash);
    }
    if chunk.rows.len() > market.uploads.max_chunk_rows {
        return Err(ApiError::validation(format!(
            "rows: at most {} rows per chunk",
            market.uploads.max_chunk_rows
        )));
    }
    let mapping = mapping_of(upload)?;
    let default_category = upload
        .category
        .as_deref()
        .map(Category::parse)
        .transpose()
        .map_err(ApiError::corrupt)?;
    let rules = RowRules {
        default_category,
        default_country: market.intake.phone_region.clone(),
        ..RowRules::default()
    };
    let validator = RowValidator::new(&mapping, rules, &market.intake.phone_region)
        .map_err(ApiError::corrupt)?;

    // The rules, row by row, and duplicates within the chunk.
    let mut in_chunk = UploadDeduper::with_capacity(chunk.rows.len());
    let mut checked = Vec::with_capacity(chunk.rows.len());
    for row in &chunk.rows {
        let line = i64::from(row.line);
        let valid = match validator.validate(&row.cells) {
            Ok(valid) => valid,
            Err(problems) => {
                checked.push(Checked::Rejected {
                    rejection: rejection(line, &row.cells, &problems, &mapping),
                    duplicate: false,
                });
                continue;
            }
        };
        if let Err(collision) = in_chunk.check_and_insert(u64::from(row.line), &valid.keys) {
            let problems = duplicate(RowIssue::DuplicateInFile {
                kind: collision.kind,
                first_row: collision.first_row,
            });
            checked.push(Checked::Rejected {
                rejection: rejection(line, &row.cells, &problems, &mapping),
                duplicate: true,
            });
            continue;
        }
        let keys = valid.keys.clone();
        match listing_of_row(valid, &market.intake, &market.uploads) {
            Ok(lead) => checked.push(Checked::Candidate {
                line,
                lead: Box::new(lead),
                keys,
            }),
            Err(needs) => checked.push(Checked::Rejected {
                rejection: Rejection {
                    line,
                    cells: &row.cells,
                    codes: NOT_LISTABLE.to_owned(),
                    reasons: needs.join("; "),
                },
                duplicate: false,
            }),
        }
    }

    let emails: Vec<_> = checked
        .iter()
        .map(|c| match c {
            Checked::Candidate { lead, .. } => lead.contact.email.as_ref(),
            Checked::Rejected { .. } => None,
        })
        .collect();
    let verdicts = state.verification.verify_all(&emails).await;

    let mut tx = state.db.begin_write().await?;
    if !store::is_open_locked(&mut tx, upload.id).await? {
        return Err(upload_closed());
    }
    let partner = store::partner_intake_locked(&mut tx, upload.partner_id).await?;
    if partner.suspended {
        return Err(partner_suspended());
    }
    if !store::claim_chunk(&mut tx, upload.id, i64::from(n), &hash, now).await? {
        // The same chunk arrived twice at once and the other copy was stored first.
        drop(tx);
        let stored = store::chunk(&state.db, upload.id, i64::from(n))
            .await?
            .ok_or_else(|| ApiError::corrupt("a claimed chunk vanished"))?;
        return replay(upload.id, n, &stored, &hash);
    }

    // Against the inventory.
    let wanted: Vec<String> = checked
        .iter()
        .filter_map(|c| match c {
            Checked::Candidate { keys, .. } => Some(keys.iter().map(store::key_hex)),
            Checked::Rejected { .. } => None,
        })
        .flatten()
        .collect();
    let owners: HashMap<String, store::KeyOwner> = store::key_owners(&mut tx, &wanted)
        .await?
        .into_iter()
        .map(|o| (o.key_hash.clone(), o))
        .collect();

    let expires_at = now + market.intake.listing_life;
    let partner_id = PartnerId::new(upload.partner_id).map_err(ApiError::corrupt)?;
    let mut counts = UploadCounts {
        rows: u32::try_from(chunk.rows.len()).map_err(ApiError::corrupt)?,
        ..UploadCounts::default()
    };
    let mut rejections = Vec::new();
    let mut accepted: Vec<(i64, Lead, DedupeKeys, bool)> = Vec::new();
    let (mut verified, mut verified_passed) = (0i64, 0i64);
    let mut stored_before = u64::try_from(partner.uploaded).map_err(ApiError::corrupt)?;
    for (item, verdict) in checked.into_iter().zip(verdicts) {
        let (line, lead, keys) = match item {
            Checked::Rejected {
                rejection,
                duplicate,
            } => {
                if duplicate {
                    counts.duplicates += 1;
                } else {
                    counts.rejected += 1;
                }
                rejections.push(rejection);
                continue;
            }
            Checked::Candidate { line, lead, keys } => (line, lead, keys),
        };
        if let Some(owner) = keys.iter().find_map(|k| owners.get(&store::key_hex(k))) {
            let kind: KeyKind = crate::db::enum_from_column(&owner.kind)?;
            let issue = match (owner.partner_id, owner.upload_id) {
                (Some(p), Some(u)) if p == upload.partner_id && u == upload.id => {
                    RowIssue::DuplicateInFile {
                        kind,
                        first_row: u64::try_from(owner.line.unwrap_or(0)).unwrap_or(0),
                    }
                }
                (Some(p), _) if p == upload.partner_id => {
                    RowIssue::DuplicateOfEarlierUpload { kind }
                }
                // A platform-owned lead or another partner's: the inventory's lead stays.
                _ => RowIssue::DuplicateOfExisting { kind },
            };
            let cells = chunk
                .rows
                .iter()
                .find(|r| i64::from(r.line) == line)
                .map(|r| r.cells.as_slice())
                .unwrap_or_default();
            counts.duplicates += 1;
            rejections.push(rejection(line, cells, &duplicate(issue), &mapping));
            continue;
        }
        match passes(verdict) {
            Some(true) => {
                verified += 1;
                verified_passed += 1;
            }
            Some(false) => verified += 1,
            None => {}
        }
        let fate = new_lead_fate(partner.approved, stored_before, &market.uploads);
        stored_before += 1;
        let listed = fate == NewLeadFate::List;
        // The id is set once ids are drawn below.
        let mut record = intake::listed(*lead, 1, LeadSource::PartnerUpload, now, expires_at)?;
        record.partner = Some(partner_id);
        record.verification = verdict;
        if !listed {
            record.status = ListingStatus::Draft;
        }
        accepted.push((line, record, keys, listed));
    }
    counts.accepted = u32::try_from(accepted.len()).map_err(ApiError::corrupt)?;

    let ids = store::fresh_lead_ids(&mut tx, accepted.len()).await?;
    for ((_, lead, _, _), id) in accepted.iter_mut().zip(&ids) {
        lead.id = leadmart_shared::ids::LeadId::new(*id).map_err(ApiError::corrupt)?;
    }
    let rows: Vec<UploadedLead<'_>> = accepted
        .iter()
        .map(|(_, lead, _, listed)| UploadedLead {
            lead,
            upload_id: upload.id,
            held_for: (!listed).then_some("review"),
            bands: lead.price_bands(&market.pricing, &market.freshness),
        })
        .collect();
    store::insert_leads(&mut tx, &rows).await?;
    let keys: Vec<KeyRecord<'_>> = accepted
        .iter()
        .flat_map(|(line, lead, keys, _)| {
            keys.iter().map(move |key| KeyRecord {
                key,
                lead_id: lead.id.get(),
                partner_id: Some(upload.partner_id),
                upload_id: Some(upload.id),
                line: Some(*line),
            })
        })
        .collect();
    store::insert_keys(&mut tx, &keys).await?;
    store::insert_rejections(&mut tx, upload.id, i64::from(n), &rejections).await?;

    let listed: Vec<&Lead> = accepted
        .iter()
        .filter(|(_, _, _, listed)| *listed)
        .map(|(_, lead, _, _)| lead)
        .collect();
    counts.listed = u32::try_from(listed.len()).map_err(ApiError::corrupt)?;
    counts.awaiting_review = counts.accepted - counts.listed;
    let routed = router::route_all(&mut tx, state, &listed, now).await?;

    store::record_chunk_counts(&mut tx, upload.id, i64::from(n), &counts).await?;
    let all_verified = u64::try_from(partner.verified + verified).map_err(ApiError::corrupt)?;
    let all_passed =
        u64::try_from(partner.verified_passed + verified_passed).map_err(ApiError::corrupt)?;
    store::add_to_partner(
        &mut tx,
        upload.partner_id,
        &counts,
        verified,
        verified_passed,
        ratio(all_passed, all_verified).value(),
    )
    .await?;
    tx.commit().await?;
    state.events.committed();
    for (lead, routed) in listed.iter().zip(routed) {
        router::auto_buy::spawn(state.clone(), lead.id.get(), routed.auto_buy);
    }
    Ok(ChunkReceipt {
        upload_id: upload.id.to_string(),
        chunk: n,
        counts,
        replayed: false,
    })
}
