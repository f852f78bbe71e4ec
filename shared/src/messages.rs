//! Messages to a bought lead (seed 000 §4): the six stock templates, the variables a template
//! may use, filling a template from the lead and the agent, and the link that opens the filled
//! message in the agent's mail client, WhatsApp or SMS app. The app stores the agent's edited
//! templates; every rule about what a template may hold and what a variable means lives here.

use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

use crate::contact::{Email, NoContactLink, PhoneE164};
use crate::notifications::{budget_label, category_label};
use crate::pipeline::ContactChannel;
use crate::wire::LeadCard;

/// The longest message body: links much longer than about 2,000 characters are cut or refused
/// by some mail clients and by Windows' URL handlers.
pub const MAX_BODY_CHARS: usize = 1_500;
/// The longest email subject.
pub const MAX_SUBJECT_CHARS: usize = 150;

/// Seed 000's message templates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    InitialContact,
    FollowUp,
    PropertyDetails,
    ScheduleViewing,
    ThankYou,
    NotInterested,
}

/// A template's words: the subject is used by email only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateText {
    pub subject: String,
    pub body: String,
}

impl TemplateKind {
    pub const ALL: &'static [TemplateKind] = &[
        Self::InitialContact,
        Self::FollowUp,
        Self::PropertyDetails,
        Self::ScheduleViewing,
        Self::ThankYou,
        Self::NotInterested,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::InitialContact => "Initial contact",
            Self::FollowUp => "Follow-up",
            Self::PropertyDetails => "Property details",
            Self::ScheduleViewing => "Schedule viewing",
            Self::ThankYou => "Thank you",
            Self::NotInterested => "Not interested response",
        }
    }

    /// The stored name (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InitialContact => "initial_contact",
            Self::FollowUp => "follow_up",
            Self::PropertyDetails => "property_details",
            Self::ScheduleViewing => "schedule_viewing",
            Self::ThankYou => "thank_you",
            Self::NotInterested => "not_interested",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == name)
    }

    /// The words every agent starts with.
    pub fn stock(self) -> TemplateText {
        let (subject, body) = match self {
            Self::InitialContact => (
                "Your enquiry: {title} in {area}",
                "Hi {first_name},\n\nThis is {agent_name}. I saw you are looking for a {title} in {area} with a budget of {budget}. I have options that fit and would be glad to walk you through them.\n\nWhen is a good time to talk?\n\n{agent_name}",
            ),
            Self::FollowUp => (
                "Following up: {title} in {area}",
                "Hi {first_name},\n\nFollowing up on your search for a {title} in {area}. Are you still looking? I can send a shortlist today.\n\n{agent_name}",
            ),
            Self::PropertyDetails => (
                "Details: {title} in {area}",
                "Hi {first_name},\n\nAs promised, here are the details of the {title} in {area} within your budget of {budget}. Tell me which ones you would like to see.\n\n{agent_name}",
            ),
            Self::ScheduleViewing => (
                "Viewing: {title} in {area}",
                "Hi {first_name},\n\nShall we schedule a viewing in {area}? I am free this week on weekday evenings and on the weekend. Which day suits you?\n\n{agent_name}",
            ),
            Self::ThankYou => (
                "Thank you, {first_name}",
                "Hi {first_name},\n\nThank you for your time today. I will send the next steps shortly. Call me any time with questions.\n\n{agent_name}",
            ),
            Self::NotInterested => (
                "Your enquiry: {title}",
                "Hi {first_name},\n\nThank you for letting me know. If your plans change, I am happy to help with your {title} search in {area}.\n\n{agent_name}",
            ),
        };
        TemplateText {
            subject: subject.to_owned(),
            body: body.to_owned(),
        }
    }
}

/// A variable a template may use, written `{name}` in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    FirstName,
    Name,
    Title,
    Category,
    Area,
    City,
    Budget,
    AgentName,
    AgentEmail,
}

impl Variable {
    pub const ALL: &'static [Variable] = &[
        Self::FirstName,
        Self::Name,
        Self::Title,
        Self::Category,
        Self::Area,
        Self::City,
        Self::Budget,
        Self::AgentName,
        Self::AgentEmail,
    ];

    /// The name inside the braces.
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::Name => "name",
            Self::Title => "title",
            Self::Category => "category",
            Self::Area => "area",
            Self::City => "city",
            Self::Budget => "budget",
            Self::AgentName => "agent_name",
            Self::AgentEmail => "agent_email",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::FirstName => "The customer's first name",
            Self::Name => "The customer's full name",
            Self::Title => "What they want, e.g. 3BHK Apartment",
            Self::Category => "The lead's category, e.g. Real estate / Buy",
            Self::Area => "The area (the city when the lead names none)",
            Self::City => "The city",
            Self::Budget => "The budget range, e.g. ₹80L – ₹1Cr",
            Self::AgentName => "Your name",
            Self::AgentEmail => "Your email address",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

/// What a template is filled from: the bought lead and the agent sending it.
#[derive(Debug, Clone, Copy)]
pub struct MessageContext<'a> {
    pub customer_name: &'a str,
    pub card: &'a LeadCard,
    pub agent_name: &'a str,
    pub agent_email: &'a str,
}

impl MessageContext<'_> {
    fn value(&self, variable: Variable) -> String {
        let card = self.card;
        match variable {
            Variable::FirstName => self
                .customer_name
                .split_whitespace()
                .next()
                .unwrap_or("there")
                .to_owned(),
            Variable::Name => self.customer_name.trim().to_owned(),
            Variable::Title => card.title.clone(),
            Variable::Category => category_label(&card.category),
            Variable::Area if card.area.trim().is_empty() => card.city.clone(),
            Variable::Area => card.area.clone(),
            Variable::City => card.city.clone(),
            Variable::Budget => budget_label(card),
            Variable::AgentName => self.agent_name.trim().to_owned(),
            Variable::AgentEmail => self.agent_email.trim().to_owned(),
        }
    }
}

/// Why a template cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("The message is empty.")]
    EmptyBody,
    #[error(
        "The message is {0} characters long; the most a message link carries is {MAX_BODY_CHARS}."
    )]
    BodyTooLong(usize),
    #[error("The subject is {0} characters long; keep it under {MAX_SUBJECT_CHARS}.")]
    SubjectTooLong(usize),
    #[error("{{{0}}} is not a variable Leadmart knows. Use one of the variables listed.")]
    UnknownVariable(String),
}

/// One `{…}` in a text: a known variable, or text to keep as written.
enum Piece<'t> {
    Text(&'t str),
    Variable(Variable),
    Unknown(&'t str),
}

/// Splits `text` at `{name}` markers. A brace that opens no `{name}` (a lone `{`, `{}`,
/// `{two words}`) is plain text.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push(Piece::Text(&rest[..open]));
            let name = &after[..name_len];
            out.push(match Variable::parse(name) {
                Some(variable) => Piece::Variable(variable),
                None => Piece::Unknown(name),
            });
            rest = &after[name_len + 1..];
        } else {
            out.push(Piece::Text(&rest[..=open]));
            rest = after;
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// Checks a message before it is sent: a body, and lengths a link carries.
pub fn check_message(subject: &str, body: &str) -> Result<(), TemplateError> {
    if body.trim().is_empty() {
        return Err(TemplateError::EmptyBody);
    }
    let body_len = body.chars().count();
    if body_len > MAX_BODY_CHARS {
        return Err(TemplateError::BodyTooLong(body_len));
    }
    let subject_len = subject.chars().count();
    if subject_len > MAX_SUBJECT_CHARS {
        return Err(TemplateError::SubjectTooLong(subject_len));
    }
    Ok(())
}

/// Checks a template the agent wrote: what [`check_message`] checks, and only known variables.
pub fn validate(text: &TemplateText) -> Result<(), TemplateError> {
    check_message(&text.subject, &text.body)?;
    for piece in pieces(&text.subject).into_iter().chain(pieces(&text.body)) {
        if let Piece::Unknown(name) = piece {
            return Err(TemplateError::UnknownVariable(name.to_owned()));
        }
    }
    Ok(())
}

/// `text` with every known variable replaced by its value; an unknown `{name}` stays as written.
pub fn fill(text: &str, context: &MessageContext<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Variable(variable) => out.push_str(&context.value(variable)),
            Piece::Unknown(name) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out
}

/// Percent-encodes `text` for a URL query value: everything but RFC 3986's unreserved
/// characters, so nothing in a message can add a parameter (`&bcc=`) or end the link.
fn encode_query_value(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// The link that opens `body` (and, for email, `subject`) ready to send on `channel`:
/// `mailto:…?subject=…&body=…` (RFC 6068: line breaks as CRLF), `sms:+…?body=…` (RFC 5724),
/// `https://wa.me/…?text=…`. A call carries no text: its link is the number's.
pub fn message_url(
    channel: ContactChannel,
    phone: Option<&PhoneE164>,
    email: Option<&Email>,
    subject: &str,
    body: &str,
) -> Result<String, NoContactLink> {
    let mut url = crate::contact::contact_url(channel, phone, email)?;
    match channel {
        ContactChannel::Call => {}
        ContactChannel::Email => {
            url.push_str("?subject=");
            encode_query_value(&mut url, subject.trim());
            url.push_str("&body=");
            let crlf = body.replace("\r\n", "\n").replace('\n', "\r\n");
            encode_query_value(&mut url, &crlf);
        }
        ContactChannel::Sms => {
            url.push_str("?body=");
            encode_query_value(&mut url, body);
        }
        ContactChannel::WhatsApp => {
            url.push_str("?text=");
            encode_query_value(&mut url, body);
        }
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;

    fn card(area: &str) -> LeadCard {
        LeadCard {
            id: "7".into(),
            category: "real-estate/buy".into(),
            title: "3BHK Apartment".into(),
            country: "IN".into(),
            region: "Maharashtra".into(),
            city: "Mumbai".into(),
            area: area.into(),
            currency: "INR".into(),
            budget_min: Decimal::from(8_000_000),
            budget_max: Decimal::from(10_000_000),
            urgency: "this_week".into(),
            score: 92,
            price_credits: Decimal::from(5),
            exclusivity: "shared".into(),
            max_buyers: 3,
            purchases: 1,
            views: 4,
            listed_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
        }
    }

    fn context(card: &LeadCard) -> MessageContext<'_> {
        MessageContext {
            customer_name: "Rajesh Kumar",
            card,
            agent_name: "Anita Desai",
            agent_email: "anita@example.com",
        }
    }

    #[test]
    fn every_variable_is_filled_from_the_lead_and_the_agent() {
        let card = card("Andheri West");
        let text = "{first_name}|{name}|{title}|{category}|{area}|{city}|{budget}|{agent_name}|{agent_email}";
        assert_eq!(
            fill(text, &context(&card)),
            "Rajesh|Rajesh Kumar|3BHK Apartment|Real estate / Buy|Andheri West|Mumbai|₹80L – ₹1Cr|Anita Desai|anita@example.com"
        );
    }

    #[test]
    fn the_area_falls_back_to_the_city_and_unknown_markers_stay_as_written() {
        let card = card(" ");
        assert_eq!(
            fill("In {area}: {price} {} {two words} {", &context(&card)),
            "In Mumbai: {price} {} {two words} {"
        );
    }

    #[test]
    fn every_stock_template_is_valid_and_fills_every_marker() {
        let card = card("Andheri West");
        for kind in TemplateKind::ALL {
            let stock = kind.stock();
            assert_eq!(validate(&stock), Ok(()), "{kind:?}");
            let filled = fill(&stock.body, &context(&card));
            assert!(!filled.contains('{'), "{kind:?}: {filled}");
            assert_eq!(TemplateKind::parse(kind.as_str()), Some(*kind));
        }
    }

    #[test]
    fn a_template_with_an_unknown_variable_or_no_body_or_too_long_is_refused() {
        let text = |subject: &str, body: &str| TemplateText {
            subject: subject.into(),
            body: body.into(),
        };
        assert_eq!(
            validate(&text("Hi", "Hello {frist_name}")),
            Err(TemplateError::UnknownVariable("frist_name".into()))
        );
        assert_eq!(
            validate(&text("{x}", "Hello")),
            Err(TemplateError::UnknownVariable("x".into()))
        );
        assert_eq!(validate(&text("Hi", " \n ")), Err(TemplateError::EmptyBody));
        let long = "é".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(
            validate(&text("Hi", &long)),
            Err(TemplateError::BodyTooLong(MAX_BODY_CHARS + 1))
        );
        assert_eq!(
            validate(&text(&"s".repeat(MAX_SUBJECT_CHARS + 1), "ok")),
            Err(TemplateError::SubjectTooLong(MAX_SUBJECT_CHARS + 1))
        );
        assert_eq!(validate(&text("", &"é".repeat(MAX_BODY_CHARS))), Ok(()));
    }

    #[test]
    fn links_carry_the_message_on_each_channel() {
        let phone = PhoneE164::from_e164("+919820012345").unwrap();
        let email = Email::parse("rajesh@example.com").unwrap();
        let url = |channel| {
            message_url(channel, Some(&phone), Some(&email), "Hi & bye", "a\nb?").unwrap()
        };
        assert_eq!(
            url(ContactChannel::Email),
            "mailto:rajesh@example.com?subject=Hi%20%26%20bye&body=a%0D%0Ab%3F"
        );
        assert_eq!(url(ContactChannel::Sms), "sms:+919820012345?body=a%0Ab%3F");
        assert_eq!(
            url(ContactChannel::WhatsApp),
            "https://wa.me/919820012345?text=a%0Ab%3F"
        );
        assert_eq!(url(ContactChannel::Call), "tel:+919820012345");
        assert_eq!(
            message_url(ContactChannel::Sms, None, Some(&email), "", "x"),
            Err(NoContactLink::NoPhone)
        );
    }
}
