//! Contact buttons of a purchased lead: the `tel:`, `mailto:`, WhatsApp (`https://wa.me/…`) and
//! `sms:` link of the cached lead (built by `leadmart_shared::contact`), handed to the operating
//! system. The web view never gets a general "open a URL" permission; it can only ask to
//! contact a lead it bought.

use chrono::{DateTime, Utc};
use leadmart_shared::contact::{self, Email, NoContactLink, PhoneE164};
use leadmart_shared::pipeline::ContactChannel;
use leadmart_shared::wire::{ContactDto, PurchasedLead};
use serde::Serialize;
use specta::Type;

use crate::cache::Cache;
use crate::error::AppError;
use crate::my_leads;
use crate::session::SessionManager;

/// Opens a link with the operating system's handler (the Tauri opener in the app, a recorder in
/// tests).
pub trait LinkOpener: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The lead's phone and email as shared/ parses them (one that does not parse is absent: a link
/// is never built from it unchecked).
pub fn reachable(contact: &ContactDto) -> (Option<PhoneE164>, Option<Email>) {
    let phone = contact
        .phone
        .as_deref()
        .and_then(|p| PhoneE164::from_e164(p).ok());
    let email = contact.email.as_deref().and_then(|e| Email::parse(e).ok());
    (phone, email)
}

/// The link for `channel`, built by shared/ from the lead's parsed phone and email, or why
/// there is none (no phone, no email, or one that does not parse).
pub fn contact_url(contact: &ContactDto, channel: ContactChannel) -> Result<String, AppError> {
    let (phone, email) = reachable(contact);
    contact::contact_url(channel, phone.as_ref(), email.as_ref()).map_err(no_link)
}

pub fn no_link(missing: NoContactLink) -> AppError {
    AppError::Invalid {
        message: missing.to_string(),
    }
}

/// The lead's contact details, or why there are none.
pub fn details(lead: &PurchasedLead) -> Result<&ContactDto, AppError> {
    lead.contact.as_ref().ok_or_else(|| AppError::Invalid {
        message: "This lead was refunded: its contact details were removed.".to_owned(),
    })
}

/// What the contact button did.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactOpened {
    pub url: String,
    /// The lead with the attempt in its contact log (pending while offline).
    pub lead: Option<PurchasedLead>,
}

/// Opens the link for `channel` of a purchased lead and records the attempt in its contact log.
pub async fn open_contact(
    session: &SessionManager,
    cache: &Cache,
    opener: &dyn LinkOpener,
    lead_id: &str,
    channel: ContactChannel,
    now: DateTime<Utc>,
) -> Result<ContactOpened, AppError> {
    let reach = Reach {
        channel,
        link: &|contact| contact_url(contact, channel),
        note: None,
    };
    reach_lead(session, cache, opener, lead_id, reach, now).await
}

/// How a lead is reached: the channel logged, the link to open (from the lead's contact
/// details), and the contact log's note.
pub struct Reach<'a> {
    pub channel: ContactChannel,
    pub link: &'a (dyn Fn(&ContactDto) -> Result<String, AppError> + Sync),
    pub note: Option<String>,
}

/// Opens `reach`'s link of a purchased lead with the OS and logs the attempt (through the
/// outbox: offline too).
pub async fn reach_lead(
    session: &SessionManager,
    cache: &Cache,
    opener: &dyn LinkOpener,
    lead_id: &str,
    reach: Reach<'_>,
    now: DateTime<Utc>,
) -> Result<ContactOpened, AppError> {
    let lead = match cache.purchased_lead(lead_id).await? {
        Some(lead) => lead,
        None => my_leads::detail(session, cache, lead_id).await?.lead,
    };
    let contact = details(&lead)?;
    let url = (reach.link)(contact)?;
    opener.open(&url).map_err(|detail| {
        tracing::warn!(%detail, "the OS could not open a contact link");
        AppError::CannotOpen {
            message: format!(
                "No app on this computer opens {} links. Contact {} directly.",
                url.split(':').next().unwrap_or("these"),
                contact.name
            ),
        }
    })?;
    // Logged in the outbox even offline: sent with the next sync.
    let lead =
        my_leads::log_contact(session, cache, lead_id, reach.channel, reach.note, now).await?;
    Ok(ContactOpened {
        url,
        lead: Some(lead),
    })
}
