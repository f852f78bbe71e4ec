//! Offline search of the briefcase: SQLite FTS5 over each purchased lead's customer name,
//! company, area, requirements and notes (`lead_search`, kept by triggers from
//! `purchased_leads`), with filters on score, category and purchase date. Each hit carries its
//! name, area and best other passage split into runs, the matched words marked, so the UI
//! highlights exactly what the index matched (diacritics and prefixes included).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{Cache, CacheError};

/// How many hits a search returns at most, best first.
pub const SEARCH_LIMIT: u32 = 100;

/// Marks FTS5 puts around a matched word (Unicode private-use characters, never in lead text
/// from the server: [`runs`] drops stray ones).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// What the agent searches for in their briefcase. Empty text lists by the filters alone.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BriefcaseQuery {
    /// Words to find; each matches words starting with it ("raj" finds "Rajesh").
    pub text: String,
    pub min_score: Option<u8>,
    pub category: Option<String>,
    /// Bought at or after this time.
    pub purchased_since: Option<DateTime<Utc>>,
}

/// A stretch of text, `hit` when the search matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TextRun {
    pub text: String,
    pub hit: bool,
}

/// One lead the search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub lead_id: String,
    /// The customer's name, matched words marked.
    pub name: Vec<TextRun>,
    /// Area, city and postal code, matched words marked.
    pub area: Vec<TextRun>,
    /// FTS5's best passage when it is not the name or the area: the match in the company,
    /// requirements or notes.
    pub excerpt: Option<Vec<TextRun>>,
}

/// The FTS5 query for what the agent typed: every word, as a quoted prefix, must match.
/// `None` when nothing searchable was typed.
fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Splits FTS5's marked text into runs.
fn runs(marked: &str) -> Vec<TextRun> {
    let mut runs = Vec::new();
    let mut text = String::new();
    let mut hit = false;
    for c in marked.chars() {
        if c == OPEN || c == CLOSE {
            if !text.is_empty() {
                runs.push(TextRun {
                    text: std::mem::take(&mut text),
                    hit,
                });
            }
            hit = c == OPEN;
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        runs.push(TextRun { text, hit });
    }
    runs
}

/// The filters every search applies to the `lead_search` row ($2–$4); $5 is the limit.
macro_rules! filters {
    () => {
        "($2 IS NULL OR lead_score >= $2) AND ($3 IS NULL OR lead_category = $3) \
         AND ($4 IS NULL OR bought_at >= $4)"
    };
}

/// `(lead id, marked name, marked area, best marked passage)`.
type HitRow = (String, Option<String>, Option<String>, Option<String>);

impl Cache {
    /// The purchased leads matching `query`, best match first (newest purchase first when no
    /// words were given), at most [`SEARCH_LIMIT`].
    pub async fn search_purchased(
        &self,
        query: &BriefcaseQuery,
    ) -> Result<Vec<SearchHit>, CacheError> {
        let pool = self.personal()?;
        let since = query.purchased_since.map(|t| t.to_rfc3339());
        let category = query.category.as_deref().filter(|c| !c.is_empty());
        let rows: Vec<HitRow> = match match_expression(&query.text) {
            Some(expression) => {
                // Ranked by BM25 with the name weighing most; the passage is FTS5's best one.
                const SQL: &str = concat!(
                    "SELECT lead_id, \
                       highlight(lead_search, 0, char(57344), char(57345)), \
                       highlight(lead_search, 2, char(57344), char(57345)), \
                       snippet(lead_search, -1, char(57344), char(57345), '…', 16) \
                     FROM lead_search WHERE lead_search MATCH $1 AND ",
                    filters!(),
                    " ORDER BY bm25(lead_search, 10.0, 4.0, 4.0, 1.0, 2.0, 0, 0, 0, 0) LIMIT $5"
                );
                sqlx::query_as(SQL)
                    .bind(expression)
                    .bind(query.min_score)
                    .bind(category)
                    .bind(since.clone())
                    .bind(SEARCH_LIMIT)
                    .fetch_all(pool)
                    .await?
            }
            None => {
                // `$1 IS NULL`: the place of the match expression, so both share FILTERS.
                const SQL: &str = concat!(
                    "SELECT s.lead_id, s.name, s.area, NULL \
                     FROM purchased_leads AS p JOIN lead_search AS s ON s.rowid = p.rowid \
                     WHERE $1 IS NULL AND ",
                    filters!(),
                    " ORDER BY p.purchased_at DESC, p.lead_id DESC LIMIT $5"
                );
                sqlx::query_as(SQL)
                    .bind(None::<String>)
                    .bind(query.min_score)
                    .bind(category)
                    .bind(since.clone())
                    .bind(SEARCH_LIMIT)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(lead_id, name, area, passage)| {
                let name = name.unwrap_or_default();
                let area = area.unwrap_or_default();
                // Only a passage of another column adds anything to the name and area shown.
                let excerpt = passage
                    .filter(|p| p.contains(OPEN) && *p != name && *p != area)
                    .map(|p| runs(&p));
                SearchHit {
                    lead_id,
                    name: runs(&name),
                    area: runs(&area),
                    excerpt,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typed_word_is_a_quoted_prefix() {
        assert_eq!(
            match_expression("raj  \"andheri"),
            Some("\"raj\"* \"\"\"andheri\"*".to_owned())
        );
        assert_eq!(match_expression(" - * "), None);
        assert_eq!(match_expression(""), None);
    }

    #[test]
    fn marked_text_splits_into_runs() {
        let marked = format!("{OPEN}Raj{CLOSE}esh {OPEN}Kumar{CLOSE}");
        let split = runs(&marked);
        let texts: Vec<(&str, bool)> = split.iter().map(|r| (r.text.as_str(), r.hit)).collect();
        assert_eq!(texts, vec![("Raj", true), ("esh ", false), ("Kumar", true)]);
        assert_eq!(
            runs("plain"),
            vec![TextRun {
                text: "plain".into(),
                hit: false
            }]
        );
    }
}
