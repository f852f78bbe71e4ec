//! Exports from the briefcase (offline too): purchased leads as a CSV of everything My Leads
//! shows or as vCards for the address book (a lead whose contact an approved refund removed is in
//! the CSV without contact details and has no vCard), and the Analytics page's tables as one CSV.
//! No tauri types here.

use std::io::Write;
use std::path::Path;

use leadmart_shared::analytics::CurrencyOutcome;
use leadmart_shared::performance::PerformanceReport;
use leadmart_shared::wire::PurchasedLead;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::cache::Cache;
use crate::error::AppError;
use crate::import::SaveKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Vcard,
}

/// The save dialog of the Analytics export.
pub const ANALYTICS: SaveKind = SaveKind {
    title: "Export analytics",
    filter: "CSV files",
    extensions: &["csv"],
};

impl ExportFormat {
    pub fn save_kind(self) -> SaveKind {
        match self {
            ExportFormat::Csv => SaveKind {
                title: "Export leads",
                filter: "CSV files",
                extensions: &["csv"],
            },
            ExportFormat::Vcard => SaveKind {
                title: "Export contacts",
                filter: "vCard files",
                extensions: &["vcf"],
            },
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "leadmart-leads.csv",
            ExportFormat::Vcard => "leadmart-contacts.vcf",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub path: String,
    pub leads: u32,
}

const CSV_HEADER: [&str; 19] = [
    "lead_id",
    "name",
    "phone",
    "email",
    "address",
    "title",
    "category",
    "area",
    "city",
    "postal_code",
    "currency",
    "budget_min",
    "budget_max",
    "score",
    "status",
    "deal_value",
    "purchased_at",
    "price_credits",
    "refund",
];

/// Why an export could not be written (a full disk, a folder without write access…).
fn write_error(err: impl std::fmt::Display) -> AppError {
    AppError::Invalid {
        message: format!("The export could not be written: {err}"),
    }
}

/// The export file at `path`, created (or emptied) for writing.
fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, AppError> {
    Ok(std::io::BufWriter::new(
        std::fs::File::create(path).map_err(write_error)?,
    ))
}

/// How the API spells a value (`contacted`, `approved`).
pub(crate) fn wire_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// The leads as CSV, one row each, with a header.
pub fn write_csv(leads: &[PurchasedLead], out: impl Write) -> Result<(), AppError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(write_error)?;
    for lead in leads {
        let card = &lead.lead.card;
        let contact = lead.contact.as_ref();
        let field = |f: fn(&leadmart_shared::wire::ContactDto) -> Option<&str>| {
            contact.and_then(f).unwrap_or_default().to_owned()
        };
        writer
            .write_record([
                card.id.clone(),
                contact.map(|c| c.name.clone()).unwrap_or_default(),
                field(|c| c.phone.as_deref()),
                field(|c| c.email.as_deref()),
                field(|c| c.address.as_deref()),
                card.title.clone(),
                card.category.clone(),
                card.area.clone(),
                card.city.clone(),
                lead.lead.postal_code.clone().unwrap_or_default(),
                card.currency.clone(),
                card.budget_min.to_string(),
                card.budget_max.to_string(),
                card.score.to_string(),
                wire_name(&lead.stage),
                lead.deal_value.map(|v| v.to_string()).unwrap_or_default(),
                lead.purchased_at.to_rfc3339(),
                lead.price_paid.to_string(),
                lead.refund
                    .as_ref()
                    .map(|r| wire_name(&r.status))
                    .unwrap_or_default(),
            ])
            .map_err(write_error)?;
    }
    writer.flush().map_err(write_error)
}

/// The Analytics page's funnel and tables as CSV rows: `table, row, currency, leads, credits,
/// value, closed, revenue, rate_or_roi` (a fraction, as computed in shared/), then the
/// speed-to-lead log's rows (`table` `speed_to_lead`, `row` the lead's id) with their own last
/// columns: `alert_at` and the minutes after it to `opened`, `bought` and `first_contact`.
pub fn write_analytics_csv(report: &PerformanceReport, out: impl Write) -> Result<(), AppError> {
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record([
            "table",
            "row",
            "currency",
            "leads",
            "credits",
            "value",
            "closed",
            "revenue",
            "rate_or_roi",
            "alert_at",
            "opened_min",
            "bought_min",
            "first_contact_min",
        ])
        .map_err(write_error)?;
    // The four speed-to-lead columns, empty on the other tables' rows.
    let blank = || std::iter::repeat_n(String::new(), 4);
    let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    for step in &report.funnel {
        let row = step
            .stage
            .map_or_else(|| "purchased".to_owned(), |s| wire_name(&s));
        writer
            .write_record(
                [
                    "funnel".to_owned(),
                    row,
                    String::new(),
                    step.leads.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    text(step.rate),
                ]
                .into_iter()
                .chain(blank()),
            )
            .map_err(write_error)?;
    }
    let segments = [
        ("by_exclusivity", &report.by_exclusivity[..]),
        ("by_category", &report.by_category[..]),
        ("by_area", &report.by_area[..]),
    ];
    let outcome_row = |table: &str, row: &str, o: &CurrencyOutcome| {
        [
            table.to_owned(),
            row.to_owned(),
            o.currency.clone(),
            o.leads.to_string(),
            o.spent.credits.to_string(),
            text(o.spent.value),
            o.won.to_string(),
            o.revenue.to_string(),
            text(o.roi),
        ]
    };
    for o in &report.by_currency {
        writer
            .write_record(
                outcome_row("by_currency", &o.currency, o)
                    .into_iter()
                    .chain(blank()),
            )
            .map_err(write_error)?;
    }
    for (table, rows) in segments {
        for row in rows {
            writer
                .write_record(
                    outcome_row(table, &row.segment, &row.outcome)
                        .into_iter()
                        .chain(blank()),
                )
                .map_err(write_error)?;
        }
    }
    let minutes = |m: Option<u32>| m.map(|m| m.to_string()).unwrap_or_default();
    for step in &report.speed_to_lead {
        let mut record = vec!["speed_to_lead".to_owned(), step.lead_id.clone()];
        record.extend(std::iter::repeat_n(String::new(), 7));
        record.extend([
            step.alert_at.to_rfc3339(),
            minutes(step.opened_after),
            step.bought_after.to_string(),
            minutes(step.contacted_after),
        ]);
        writer.write_record(record).map_err(write_error)?;
    }
    writer.flush().map_err(write_error)
}

/// Writes the Analytics page's CSV ([`write_analytics_csv`]) to `path`.
pub fn save_analytics(report: &PerformanceReport, path: &Path) -> Result<Exported, AppError> {
    let file = create(path)?;
    write_analytics_csv(report, file)?;
    Ok(Exported {
        path: path.display().to_string(),
        leads: report.leads,
    })
}

/// A vCard 3.0 text value: backslash, comma, semicolon and line breaks escaped.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// One vCard 3.0 per lead that still has its contact; answers how many were written.
pub fn write_vcards(leads: &[PurchasedLead], mut out: impl Write) -> Result<u32, AppError> {
    let mut written = 0u32;
    for lead in leads {
        let Some(contact) = &lead.contact else {
            continue;
        };
        let card = &lead.lead.card;
        let mut lines = vec![
            "BEGIN:VCARD".to_owned(),
            "VERSION:3.0".to_owned(),
            format!("FN:{}", escaped(&contact.name)),
        ];
        // Family name last, as most lead forms give it; one word is a given name.
        let (given, family) = match contact.name.rsplit_once(' ') {
            Some((given, family)) => (given, family),
            None => (contact.name.as_str(), ""),
        };
        lines.push(format!("N:{};{};;;", escaped(family), escaped(given)));
        if let Some(phone) = &contact.phone {
            lines.push(format!("TEL;TYPE=CELL:{}", escaped(phone)));
        }
        if let Some(email) = &contact.email {
            lines.push(format!("EMAIL;TYPE=INTERNET:{}", escaped(email)));
        }
        if let Some(address) = &contact.address {
            lines.push(format!("ADR;TYPE=HOME:;;{};;;;", escaped(address)));
        }
        let place = card.place();
        lines.push(format!(
            "NOTE:{}",
            escaped(&format!(
                "Leadmart lead #{} · {} · {place}",
                card.id, card.title
            ))
        ));
        lines.push("END:VCARD".to_owned());
        for line in lines {
            out.write_all(line.as_bytes()).map_err(write_error)?;
            out.write_all(b"\r\n").map_err(write_error)?;
        }
        written += 1;
    }
    out.flush().map_err(write_error)?;
    Ok(written)
}

/// Writes the purchased leads in `lead_ids` (every one when `None`) from the cache to `path`.
pub async fn export(
    cache: &Cache,
    format: ExportFormat,
    lead_ids: Option<&[String]>,
    path: &Path,
) -> Result<Exported, AppError> {
    let (leads, _) = cache.purchased().await?;
    let chosen: Vec<PurchasedLead> = leads
        .into_iter()
        .filter(|lead| lead_ids.is_none_or(|ids| ids.contains(&lead.lead.card.id)))
        .collect();
    let file = create(path)?;
    let leads = match format {
        ExportFormat::Csv => {
            write_csv(&chosen, file)?;
            u32::try_from(chosen.len()).unwrap_or(u32::MAX)
        }
        ExportFormat::Vcard => write_vcards(&chosen, file)?,
    };
    Ok(Exported {
        path: path.display().to_string(),
        leads,
    })
}
