//! CSV import rules that do not touch files (seed 001 §3.2): header auto-mapping from the many
//! spellings real files use, with a confidence per column and duplicate-header handling; and
//! per-row validation that returns *every* problem of a row with its column and reason.
//!
//! Reading bytes, detecting encodings and delimiters, and streaming belong to the app's import
//! module; this module gets header and row cells as strings.

use crate::contact::{ContactDetails, ContactError, Email, PersonName, PhoneE164, PhoneParser};
use crate::dedupe::{DedupeKeys, KeyKind, email_key, name_address_key, phone_key};
use crate::lead::{Category, Urgency};
use crate::money::Money;
use crate::normalize::trim;
use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

/// A field of a lead a column can map to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LeadField {
    FullName,
    FirstName,
    LastName,
    Email,
    Phone,
    Company,
    JobTitle,
    CompanyDomain,
    CompanySize,
    Address,
    Area,
    City,
    Region,
    Country,
    PostalCode,
    Category,
    Title,
    Description,
    BudgetMin,
    BudgetMax,
    Urgency,
}

impl LeadField {
    /// Every field, in the order the mapping screen lists them.
    pub const ALL: &'static [LeadField] = &[
        Self::FullName,
        Self::FirstName,
        Self::LastName,
        Self::Email,
        Self::Phone,
        Self::Company,
        Self::JobTitle,
        Self::CompanyDomain,
        Self::CompanySize,
        Self::Address,
        Self::Area,
        Self::City,
        Self::Region,
        Self::Country,
        Self::PostalCode,
        Self::Category,
        Self::Title,
        Self::Description,
        Self::BudgetMin,
        Self::BudgetMax,
        Self::Urgency,
    ];

    /// The field's name as the mapping screen shows it.
    pub fn label(self) -> &'static str {
        match self {
            Self::FullName => "Full name",
            Self::FirstName => "First name",
            Self::LastName => "Last name",
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::Company => "Company",
            Self::JobTitle => "Job title",
            Self::CompanyDomain => "Company website",
            Self::CompanySize => "Company size",
            Self::Address => "Address",
            Self::Area => "Area",
            Self::City => "City",
            Self::Region => "State / region",
            Self::Country => "Country",
            Self::PostalCode => "Postal code",
            Self::Category => "Category",
            Self::Title => "Title",
            Self::Description => "Description",
            Self::BudgetMin => "Budget (min)",
            Self::BudgetMax => "Budget (max)",
            Self::Urgency => "Timeline",
        }
    }
}

/// Header spellings per field, already squashed (lower-case, letters and digits only). The first
/// spelling of each list is the canonical one (confidence 100); the others score 95.
const SYNONYMS: &[(LeadField, &[&str])] = &[
    (
        LeadField::FullName,
        &[
            "fullname",
            "name",
            "contactname",
            "customername",
            "leadname",
            "clientname",
            "person",
        ],
    ),
    (
        LeadField::FirstName,
        &["firstname", "first", "fname", "givenname", "forename"],
    ),
    (
        LeadField::LastName,
        &["lastname", "last", "lname", "surname", "familyname"],
    ),
    (
        LeadField::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "emailid",
            "workemail",
            "businessemail",
            "contactemail",
            "eaddress",
        ],
    ),
    (
        LeadField::Phone,
        &[
            "phone",
            "phonenumber",
            "mobile",
            "mobilenumber",
            "mobileno",
            "cell",
            "cellphone",
            "telephone",
            "tel",
            "contactnumber",
            "phoneno",
            "whatsapp",
            "contactno",
            "mob",
        ],
    ),
    (
        LeadField::Company,
        &[
            "company",
            "companyname",
            "organisation",
            "organization",
            "business",
            "businessname",
            "employer",
            "account",
        ],
    ),
    (
        LeadField::JobTitle,
        &["jobtitle", "title", "designation", "position", "role"],
    ),
    (
        LeadField::CompanyDomain,
        &[
            "companydomain",
            "domain",
            "website",
            "companywebsite",
            "url",
            "web",
        ],
    ),
    (
        LeadField::CompanySize,
        &[
            "companysize",
            "employees",
            "employeecount",
            "numberofemployees",
            "headcount",
            "size",
        ],
    ),
    (
        LeadField::Address,
        &[
            "address",
            "streetaddress",
            "street",
            "address1",
            "addressline1",
            "fulladdress",
        ],
    ),
    (
        LeadField::Area,
        &[
            "area",
            "suburb",
            "locality",
            "neighbourhood",
            "neighborhood",
            "district",
        ],
    ),
    (LeadField::City, &["city", "town", "citytown"]),
    (
        LeadField::Region,
        &["region", "state", "province", "county", "stateprovince"],
    ),
    (LeadField::Country, &["country", "countrycode", "nation"]),
    (
        LeadField::PostalCode,
        &[
            "postalcode",
            "zip",
            "zipcode",
            "postcode",
            "pincode",
            "pin",
            "postal",
        ],
    ),
    (
        LeadField::Category,
        &[
            "category",
            "industry",
            "service",
            "servicetype",
            "leadtype",
            "vertical",
        ],
    ),
    (
        LeadField::Title,
        &[
            "leadtitle",
            "subject",
            "headline",
            "requirement",
            "lookingfor",
        ],
    ),
    (
        LeadField::Description,
        &[
            "description",
            "details",
            "notes",
            "comments",
            "message",
            "requirements",
        ],
    ),
    (
        LeadField::BudgetMin,
        &[
            "budgetmin",
            "minbudget",
            "budgetfrom",
            "minimumbudget",
            "budgetlow",
            "budget",
        ],
    ),
    (
        LeadField::BudgetMax,
        &[
            "budgetmax",
            "maxbudget",
            "budgetto",
            "maximumbudget",
            "budgethigh",
        ],
    ),
    (
        LeadField::Urgency,
        &["urgency", "timeline", "timeframe", "when", "priority"],
    ),
];

/// Lower-case letters and digits only: "E-mail" → "email", "First Name" → "firstname".
fn squash(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `(field, confidence)` for one header.
pub fn guess_field(header: &str) -> Option<(LeadField, u8)> {
    let squashed = squash(header.trim_start_matches('\u{feff}'));
    if squashed.is_empty() {
        return None;
    }
    let exact = |s: &str| {
        SYNONYMS.iter().find_map(|(field, names)| {
            names
                .iter()
                .position(|n| *n == s)
                .map(|i| (*field, if i == 0 { 100 } else { 95 }))
        })
    };
    if let Some(hit) = exact(&squashed) {
        return Some(hit);
    }
    // "Email 1", "Phone2": a numbered copy. Lower confidence, and lower again for later numbers,
    // so "Email 1" beats "Email 2" when both exist.
    let base = squashed.trim_end_matches(|c: char| c.is_ascii_digit());
    if base.len() < squashed.len()
        && let Some((field, _)) = exact(base)
    {
        let n: u32 = squashed[base.len()..].parse().unwrap_or(9);
        return Some((
            field,
            90u8.saturating_sub(u8::try_from(n.min(9)).unwrap_or(9)),
        ));
    }
    // "Primary Email Address", "Customer Mobile No": contains a distinctive spelling.
    SYNONYMS.iter().find_map(|(field, names)| {
        names
            .iter()
            .filter(|n| n.len() >= 4)
            .find(|n| squashed.contains(**n))
            .map(|_| (*field, 60))
    })
}

/// One column's mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub index: usize,
    pub header: String,
    pub field: Option<LeadField>,
    /// 0–100; 0 when unmapped.
    pub confidence: u8,
    /// Another column maps to the same field with higher confidence (or equal and earlier):
    /// this one is ignored.
    pub duplicate_of: Option<usize>,
}

/// The mapping of a whole header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderMapping {
    columns: Vec<ColumnMapping>,
}

impl HeaderMapping {
    /// Auto-maps a header row.
    pub fn auto<S: AsRef<str>>(headers: &[S]) -> Self {
        let columns = headers
            .iter()
            .enumerate()
            .map(|(index, h)| {
                let (field, confidence) =
                    guess_field(h.as_ref()).map_or((None, 0), |(f, c)| (Some(f), c));
                ColumnMapping {
                    index,
                    header: h.as_ref().trim().to_owned(),
                    field,
                    confidence,
                    duplicate_of: None,
                }
            })
            .collect();
        let mut mapping = Self { columns };
        mapping.mark_duplicates();
        mapping
    }

    /// The person's choice for one column overrides the guess (confidence 100).
    pub fn set(&mut self, index: usize, field: Option<LeadField>) {
        if let Some(c) = self.columns.get_mut(index) {
            c.field = field;
            c.confidence = if field.is_some() { 100 } else { 0 };
        }
        self.mark_duplicates();
    }

    fn mark_duplicates(&mut self) {
        for i in 0..self.columns.len() {
            let me = &self.columns[i];
            let winner = me.field.and_then(|field| {
                self.columns
                    .iter()
                    .filter(|o| o.index != me.index && o.field == Some(field))
                    .find(|o| {
                        o.confidence > me.confidence
                            || (o.confidence == me.confidence && o.index < me.index)
                    })
                    .map(|o| o.index)
            });
            self.columns[i].duplicate_of = winner;
        }
    }

    pub fn columns(&self) -> &[ColumnMapping] {
        &self.columns
    }

    /// The column that supplies `field`, if any.
    pub fn column_of(&self, field: LeadField) -> Option<usize> {
        self.columns
            .iter()
            .find(|c| c.field == Some(field) && c.duplicate_of.is_none())
            .map(|c| c.index)
    }
}

/// Row rules of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowRules {
    /// The category chosen for the whole upload ("Industry selection dropdown"), used when a
    /// row has none.
    pub default_category: Option<Category>,
    /// Used when a row has no country column or an empty one (ISO alpha-2).
    pub default_country: String,
    /// Fields every row must have (besides a name and a way to reach the person).
    pub required: Vec<LeadField>,
    /// Longest accepted cell, in characters.
    pub max_cell_chars: usize,
}

impl Default for RowRules {
    fn default() -> Self {
        Self {
            default_category: None,
            default_country: "IN".into(),
            required: vec![LeadField::City],
            max_cell_chars: 2_000,
        }
    }
}

/// What is wrong with a cell or a row.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RowIssue {
    #[error("required value is missing")]
    Missing,
    #[error("a name is required (full name, or first/last name)")]
    MissingName,
    #[error("an email or a phone number is required")]
    NoContact,
    #[error("not a valid email address")]
    InvalidEmail,
    #[error("not a valid phone number")]
    InvalidPhone,
    #[error("not a known category: {0}")]
    InvalidCategory(String),
    #[error("not an amount: {0}")]
    InvalidAmount(String),
    #[error("the minimum budget is above the maximum")]
    InvertedBudget,
    #[error("unknown timeline: {0}")]
    UnknownUrgency(String),
    #[error("longer than {max} characters")]
    TooLong { max: usize },
    #[error("expected {expected} cells, found {found}")]
    WrongCellCount { expected: usize, found: usize },
    #[error("duplicate of row {first_row} ({} matches)", kind.words())]
    DuplicateInFile { kind: KeyKind, first_row: u64 },
    #[error("duplicate of a lead already on the marketplace ({} matches)", kind.words())]
    DuplicateOfExisting { kind: KeyKind },
    #[error("duplicate of a lead in one of your earlier uploads ({} matches)", kind.words())]
    DuplicateOfEarlierUpload { kind: KeyKind },
}

impl RowIssue {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "missing_value",
            Self::MissingName => "missing_name",
            Self::NoContact => "no_contact",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidCategory(_) => "invalid_category",
            Self::InvalidAmount(_) => "invalid_amount",
            Self::InvertedBudget => "inverted_budget",
            Self::UnknownUrgency(_) => "unknown_urgency",
            Self::TooLong { .. } => "too_long",
            Self::WrongCellCount { .. } => "wrong_cell_count",
            Self::DuplicateInFile { .. } => "duplicate_in_file",
            Self::DuplicateOfExisting { .. } => "duplicate_of_existing",
            Self::DuplicateOfEarlierUpload { .. } => "duplicate_of_earlier_upload",
        }
    }

    /// The reason in a few words, as a summary groups rows under it.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Missing => "Required value missing",
            Self::MissingName => "No name",
            Self::NoContact => "No email or phone",
            Self::InvalidEmail => "Invalid email",
            Self::InvalidPhone => "Invalid phone number",
            Self::InvalidCategory(_) => "Unknown category",
            Self::InvalidAmount(_) => "Budget is not an amount",
            Self::InvertedBudget => "Budget minimum above maximum",
            Self::UnknownUrgency(_) => "Unknown timeline",
            Self::TooLong { .. } => "Value too long",
            Self::WrongCellCount { .. } => "Wrong number of cells",
            Self::DuplicateInFile { .. } => "Duplicate within the file",
            Self::DuplicateOfExisting { .. } => "Already on the marketplace",
            Self::DuplicateOfEarlierUpload { .. } => "In an earlier upload",
        }
    }
}

/// One problem, with the column (index into the header row) when it is about a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub column: Option<usize>,
    pub field: Option<LeadField>,
    pub issue: RowIssue,
}

/// A row that passed: typed values and its dedupe keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub contact: ContactDetails,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub company_domain: Option<String>,
    pub company_size: Option<u32>,
    pub area: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country: String,
    pub postal_code: Option<String>,
    pub category: Option<Category>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub budget_min: Option<Money>,
    pub budget_max: Option<Money>,
    pub urgency: Option<Urgency>,
    pub keys: DedupeKeys,
}

/// Validates rows against a mapping. Build once per upload: it resolves columns and compiles
/// the phone patterns of the default region.
#[derive(Debug, Clone)]
pub struct RowValidator {
    rules: RowRules,
    phones: PhoneParser,
    width: usize,
    /// Column per field, indexed by `LeadField as usize`.
    columns: [Option<usize>; FIELD_COUNT],
}

const FIELD_COUNT: usize = LeadField::Urgency as usize + 1;

impl RowValidator {
    pub fn new(
        mapping: &HeaderMapping,
        rules: RowRules,
        phone_region: &str,
    ) -> Result<Self, ContactError> {
        Ok(Self::with_phone_parser(
            mapping,
            rules,
            PhoneParser::new(phone_region)?,
        ))
    }

    /// With a given phone parser (e.g. [`PhoneParser::library_only`] as the reference).
    pub fn with_phone_parser(
        mapping: &HeaderMapping,
        rules: RowRules,
        phones: PhoneParser,
    ) -> Self {
        let mut columns = [None; FIELD_COUNT];
        for c in mapping.columns() {
            if let (Some(field), None) = (c.field, c.duplicate_of) {
                columns[field as usize] = Some(c.index);
            }
        }
        Self {
            rules,
            phones,
            width: mapping.columns().len(),
            columns,
        }
    }

    pub fn phones(&self) -> &PhoneParser {
        &self.phones
    }

    /// Every problem of the row, or the typed row.
    pub fn validate<S: AsRef<str>>(&self, row: &[S]) -> Result<ValidRow, Vec<RowProblem>> {
        let mut problems = Vec::new();
        if row.len() < self.width
            || row
                .iter()
                .skip(self.width)
                .any(|c| !trim(c.as_ref()).is_empty())
        {
            // Trailing empty cells are tolerated (spreadsheets add them); data beyond the header is
            // not, and neither is a short row: its cells may have shifted, so none is trusted.
            problems.push(RowProblem {
                column: None,
                field: None,
                issue: RowIssue::WrongCellCount {
                    expected: self.width,
                    found: row.len(),
                },
            });
        }
        let cell = |field: LeadField| -> Option<(usize, &str)> {
            let index = self.columns[field as usize]?;
            let value = trim(row.get(index)?.as_ref());
            (!value.is_empty()).then_some((index, value))
        };
        let max = self.rules.max_cell_chars;
        for c in 0..FIELD_COUNT {
            if let Some(index) = self.columns[c]
                && let Some(v) = row.get(index)
                && v.as_ref().len() > max
                && v.as_ref().chars().count() > max
            {
                problems.push(RowProblem {
                    column: Some(index),
                    field: None,
                    issue: RowIssue::TooLong { max },
                });
            }
        }

        let text = |field: LeadField| cell(field).map(|(_, v)| v.to_owned());

        let email = match cell(LeadField::Email) {
            Some((i, v)) => match Email::parse(v) {
                Ok(e) => Some(e),
                Err(_) => {
                    push(&mut problems, i, LeadField::Email, RowIssue::InvalidEmail);
                    None
                }
            },
            None => None,
        };
        let phone = match cell(LeadField::Phone) {
            Some((i, v)) => match self.phones.parse(v) {
                Ok(p) => Some(p),
                Err(_) => {
                    push(&mut problems, i, LeadField::Phone, RowIssue::InvalidPhone);
                    None
                }
            },
            None => None,
        };
        let reachable_cells = cell(LeadField::Email).is_some() || cell(LeadField::Phone).is_some();

        let full_name = match (
            cell(LeadField::FullName),
            cell(LeadField::FirstName),
            cell(LeadField::LastName),
        ) {
            (Some((_, full)), _, _) => Some(full.to_owned()),
            (None, Some((_, first)), Some((_, last))) => {
                let mut full = String::with_capacity(first.len() + 1 + last.len());
                full.push_str(first);
                full.push(' ');
                full.push_str(last);
                Some(full)
            }
            (None, Some((_, only)), None) | (None, None, Some((_, only))) => Some(only.to_owned()),
            (None, None, None) => None,
        };
        let name = full_name.and_then(|n| PersonName::parse_owned(n).ok());

        for &field in &self.rules.required {
            if cell(field).is_none() {
                match self.columns[field as usize] {
                    Some(i) => push(&mut problems, i, field, RowIssue::Missing),
                    None => problems.push(RowProblem {
                        column: None,
                        field: Some(field),
                        issue: RowIssue::Missing,
                    }),
                }
            }
        }

        let category = match cell(LeadField::Category) {
            Some((i, v)) => match Category::parse(v) {
                Ok(c) => Some(c),
                Err(_) => {
                    push(
                        &mut problems,
                        i,
                        LeadField::Category,
                        RowIssue::InvalidCategory(v.to_owned()),
                    );
                    None
                }
            },
            None => match (
                &self.rules.default_category,
                self.columns[LeadField::Category as usize],
            ) {
                (Some(default), _) => Some(default.clone()),
                // A category column whose cell is empty, and no category for the upload to
                // fall back on: the lead would be listed under none. (With no category column
                // at all, the upload's category is asked for once, not per row.)
                (None, Some(i)) => {
                    push(&mut problems, i, LeadField::Category, RowIssue::Missing);
                    None
                }
                (None, None) => None,
            },
        };
        let mut amount = |field: LeadField| match cell(field) {
            Some((i, v)) => match parse_amount(v) {
                Some(m) => Some(m),
                None => {
                    push(
                        &mut problems,
                        i,
                        field,
                        RowIssue::InvalidAmount(v.to_owned()),
                    );
                    None
                }
            },
            None => None,
        };
        let budget_min = amount(LeadField::BudgetMin);
        let budget_max = amount(LeadField::BudgetMax);
        if let (Some(lo), Some(hi)) = (budget_min, budget_max)
            && lo > hi
            && let Some(i) = self.columns[LeadField::BudgetMin as usize]
        {
            push(
                &mut problems,
                i,
                LeadField::BudgetMin,
                RowIssue::InvertedBudget,
            );
        }
        let urgency = match cell(LeadField::Urgency) {
            Some((i, v)) => match Urgency::parse_loose(v) {
                Ok(u) => Some(u),
                Err(_) => {
                    push(
                        &mut problems,
                        i,
                        LeadField::Urgency,
                        RowIssue::UnknownUrgency(v.to_owned()),
                    );
                    None
                }
            },
            None => None,
        };
        let company_size = cell(LeadField::CompanySize).and_then(|(_, v)| parse_count(v));

        if name.is_none() {
            problems.push(RowProblem {
                column: self.columns[LeadField::FullName as usize]
                    .or(self.columns[LeadField::FirstName as usize]),
                field: Some(LeadField::FullName),
                issue: RowIssue::MissingName,
            });
        }
        if !reachable_cells {
            problems.push(RowProblem {
                column: None,
                field: None,
                issue: RowIssue::NoContact,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let (Some(name), true) = (name, email.is_some() || phone.is_some()) else {
            // Unreachable in practice: both cases pushed a problem above.
            return Err(vec![RowProblem {
                column: None,
                field: None,
                issue: RowIssue::NoContact,
            }]);
        };

        let address = text(LeadField::Address);
        let keys = DedupeKeys {
            email: email.as_ref().map(email_key),
            phone: phone.as_ref().map(phone_key),
            name_address: address
                .as_deref()
                .and_then(|a| name_address_key(name.as_str(), a)),
        };
        let contact = ContactDetails::new(name, email, phone, address).map_err(|_| {
            vec![RowProblem {
                column: None,
                field: None,
                issue: RowIssue::NoContact,
            }]
        })?;
        Ok(ValidRow {
            contact,
            company: text(LeadField::Company),
            job_title: text(LeadField::JobTitle),
            company_domain: text(LeadField::CompanyDomain),
            company_size,
            area: text(LeadField::Area),
            city: text(LeadField::City),
            region: text(LeadField::Region),
            country: text(LeadField::Country)
                .filter(|c| c.len() == 2)
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_else(|| self.rules.default_country.clone()),
            postal_code: text(LeadField::PostalCode),
            category,
            title: text(LeadField::Title),
            description: text(LeadField::Description),
            budget_min,
            budget_max,
            urgency,
            keys,
        })
    }
}

fn push(problems: &mut Vec<RowProblem>, column: usize, field: LeadField, issue: RowIssue) {
    problems.push(RowProblem {
        column: Some(column),
        field: Some(field),
        issue,
    });
}

/// Amounts as files write them: `4500`, `4,500.00`, `₹ 90,00,000`, `90L`, `1.1Cr`, `1.5 crore`.
pub fn parse_amount(raw: &str) -> Option<Money> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '₹' | '$' | '€' | '£' | '_'))
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    let lower = lower
        .strip_prefix("rs.")
        .or_else(|| lower.strip_prefix("rs"))
        .or_else(|| lower.strip_prefix("inr"))
        .unwrap_or(&lower);
    let (number, multiplier) = [
        ("crore", 10_000_000i64),
        ("cr", 10_000_000),
        ("lakh", 100_000),
        ("lac", 100_000),
        ("l", 100_000),
        ("k", 1_000),
    ]
    .iter()
    .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n, *m)))
    .unwrap_or((lower, 1));
    let value = rust_decimal::Decimal::from_str_exact(number).ok()?;
    Money::new(
        value
            .checked_mul(rust_decimal::Decimal::from(multiplier))?
            .round_dp(2),
    )
    .ok()
}

fn parse_count(raw: &str) -> Option<u32> {
    // "51-200" style ranges: take the upper bound; "10,000+" → 10000.
    let last = raw.rsplit(['-', '–']).next().unwrap_or(raw);
    last.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// The fields a rejected-rows file shows besides the original cells.
pub fn rejection_reasons(problems: &[RowProblem], mapping: &HeaderMapping) -> String {
    problems
        .iter()
        .map(|p| match p.column.and_then(|i| mapping.columns().get(i)) {
            Some(c) => format!("{}: {}", c.header, p.issue),
            None => p.issue.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a phone is a [`PhoneE164`] already (cheap check used by callers that re-validate
/// stored rows).
pub fn is_e164(raw: &str) -> bool {
    PhoneE164::from_e164(raw).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_listed_once_with_its_own_label() {
        let listed: std::collections::BTreeSet<LeadField> =
            LeadField::ALL.iter().copied().collect();
        assert_eq!(listed.len(), LeadField::ALL.len());
        for (field, _) in SYNONYMS {
            assert!(listed.contains(field), "{field:?} is mapped but not listed");
        }
        let labels: std::collections::BTreeSet<&str> =
            LeadField::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(labels.len(), LeadField::ALL.len());
    }

    #[test]
    fn headers_map_from_real_world_spellings() {
        let cases: &[(&str, LeadField)] = &[
            ("E-mail", LeadField::Email),
            ("email_address", LeadField::Email),
            ("Email 1", LeadField::Email),
            ("Mobile", LeadField::Phone),
            ("Phone 1", LeadField::Phone),
            ("First Name", LeadField::FirstName),
            ("Zip", LeadField::PostalCode),
            ("PIN code", LeadField::PostalCode),
            ("\u{feff}Name", LeadField::FullName),
            ("Primary Email Address", LeadField::Email),
            ("Customer Mobile No", LeadField::Phone),
            ("Suburb", LeadField::Area),
            ("State", LeadField::Region),
        ];
        for (header, field) in cases {
            assert_eq!(guess_field(header).map(|g| g.0), Some(*field), "{header:?}");
        }
        assert_eq!(guess_field("Email"), Some((LeadField::Email, 100)));
        assert_eq!(
            guess_field("E-mail"),
            Some((LeadField::Email, 100)),
            "punctuation does not matter"
        );
        assert_eq!(guess_field("Mobile"), Some((LeadField::Phone, 95)));
        assert_eq!(guess_field("Email 1"), Some((LeadField::Email, 89)));
        assert_eq!(guess_field("Primary Email Address").map(|g| g.1), Some(60));
        assert_eq!(guess_field("Favourite colour"), None);
    }

    #[test]
    fn duplicate_headers_keep_the_best_column() {
        let m = HeaderMapping::auto(&["Name", "Email 2", "Email 1", "Phone", "Mobile", "Phone"]);
        assert_eq!(
            m.column_of(LeadField::Email),
            Some(2),
            "Email 1 beats Email 2"
        );
        assert_eq!(m.columns()[1].duplicate_of, Some(2));
        assert_eq!(
            m.column_of(LeadField::Phone),
            Some(3),
            "exact canonical spelling, earliest"
        );
        assert_eq!(m.columns()[4].duplicate_of, Some(3));
        assert_eq!(
            m.columns()[5].duplicate_of,
            Some(3),
            "an identical header later is a duplicate"
        );
        let mut m = m;
        m.set(4, Some(LeadField::Phone));
        m.set(3, None);
        assert_eq!(
            m.column_of(LeadField::Phone),
            Some(4),
            "the person's choice wins"
        );
    }

    fn validator() -> (HeaderMapping, RowValidator) {
        let m = HeaderMapping::auto(&[
            "First Name",
            "Last Name",
            "E-mail",
            "Mobile",
            "City",
            "Budget Min",
            "Budget Max",
            "Timeline",
            "Address",
        ]);
        let v = RowValidator::new(&m, RowRules::default(), "IN").unwrap();
        (m, v)
    }

    #[test]
    fn an_empty_category_cell_needs_the_uploads_category() {
        let m = HeaderMapping::auto(&["Name", "Email", "City", "Category"]);
        let without = RowValidator::new(&m, RowRules::default(), "IN").unwrap();
        let problems = without
            .validate(&["Priya", "p@x.com", "Pune", " "])
            .unwrap_err();
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.column, p.issue.code()))
                .collect::<Vec<_>>(),
            [(Some(3), "missing_value")]
        );
        let own = without
            .validate(&["Priya", "p@x.com", "Pune", "insurance/auto"])
            .unwrap();
        assert_eq!(own.category.unwrap().as_str(), "insurance/auto");
        let rules = RowRules {
            default_category: Some(Category::parse("real-estate/buy").unwrap()),
            ..RowRules::default()
        };
        let with = RowValidator::new(&m, rules, "IN").unwrap();
        let row = with.validate(&["Priya", "p@x.com", "Pune", ""]).unwrap();
        assert_eq!(row.category.unwrap().as_str(), "real-estate/buy");
        // No category column: the upload's category is asked for once, not per row.
        let none = HeaderMapping::auto(&["Name", "Email", "City"]);
        let row = RowValidator::new(&none, RowRules::default(), "IN")
            .unwrap()
            .validate(&["Priya", "p@x.com", "Pune"])
            .unwrap();
        assert_eq!(row.category, None);
    }

    #[test]
    fn a_good_row_is_typed_with_keys() {
        let (_, v) = validator();
        let row = v
            .validate(&[
                "Rajesh",
                "Kumar",
                "Rajesh.K@Email.com",
                "98765 43210",
                "Mumbai",
                "90L",
                "1.1Cr",
                "Immediate",
                "Powai",
            ])
            .unwrap();
        assert_eq!(row.contact.name.as_str(), "Rajesh Kumar");
        assert_eq!(
            row.contact.phone.as_ref().unwrap().as_str(),
            "+919876543210"
        );
        assert_eq!(row.budget_min, Some(Money::whole(9_000_000)));
        assert_eq!(row.budget_max, Some(Money::whole(11_000_000)));
        assert_eq!(row.urgency, Some(Urgency::Immediate));
        assert_eq!(row.keys.iter().count(), 3);
        assert_eq!(row.country, "IN");
    }

    #[test]
    fn a_bad_row_reports_every_problem_with_its_column() {
        let (m, v) = validator();
        let problems = v
            .validate(&["", "", "not-an-email", "12", "", "lots", "5", "someday", ""])
            .unwrap_err();
        let codes: Vec<(Option<usize>, &str)> = problems
            .iter()
            .map(|p| (p.column, p.issue.code()))
            .collect();
        assert_eq!(
            codes,
            [
                (Some(2), "invalid_email"),
                (Some(3), "invalid_phone"),
                (Some(4), "missing_value"),
                (Some(5), "invalid_amount"),
                (Some(7), "unknown_urgency"),
                (Some(0), "missing_name"),
            ]
        );
        assert!(
            rejection_reasons(&problems, &m)
                .starts_with("E-mail: not a valid email address; Mobile: not a valid phone number")
        );
        let no_contact = v
            .validate(&["Priya", "", "", "", "Pune", "", "", "", ""])
            .unwrap_err();
        assert_eq!(
            no_contact
                .iter()
                .map(|p| p.issue.code())
                .collect::<Vec<_>>(),
            ["no_contact"]
        );
        let too_wide = v
            .validate(&["Priya", "", "p@x.com", "", "Pune", "", "", "", "", "extra"])
            .unwrap_err();
        assert_eq!(too_wide[0].issue.code(), "wrong_cell_count");
        assert!(
            v.validate(&["Priya", "", "p@x.com", "", "Pune", "", "", "", "", ""])
                .is_ok(),
            "trailing empty cells are fine"
        );
        let too_short = v
            .validate(&["Priya", "", "p@x.com", "", "Pune", "", "", ""])
            .unwrap_err();
        assert_eq!(
            too_short[0].issue,
            RowIssue::WrongCellCount {
                expected: 9,
                found: 8
            },
            "a short row is reported, even when what it has would pass"
        );
    }

    #[test]
    fn amounts_in_indian_notation() {
        assert_eq!(parse_amount("₹ 90,00,000"), Some(Money::whole(9_000_000)));
        assert_eq!(parse_amount("1.5 crore"), Some(Money::whole(15_000_000)));
        assert_eq!(parse_amount("Rs. 4,500"), Some(Money::whole(4_500)));
        assert_eq!(parse_amount("60 lakh"), Some(Money::whole(6_000_000)));
        assert_eq!(parse_amount("-5"), None);
        assert_eq!(parse_amount("abc"), None);
    }
}
