//! Messages (seed 000 §4): the agent's templates (the stock words of
//! `leadmart_shared::messages`, or the agent's own, kept on this computer), a template filled
//! from a bought lead and the signed-in agent, and sending: the filled text opens in the
//! agent's mail client, WhatsApp or SMS app, and the message goes into the lead's contact log
//! (through the outbox, so offline too). The conversation of a lead is its contact log.

use chrono::{DateTime, Utc};
use leadmart_shared::messages::{
    self, MessageContext, TemplateError, TemplateKind, TemplateText, Variable,
};
use leadmart_shared::pipeline::ContactChannel;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::cache::Cache;
use crate::contact::{self, ContactOpened, LinkOpener, Reach};
use crate::error::AppError;
use crate::my_leads;
use crate::session::SessionManager;

/// One template as the agent uses it now.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageTemplate {
    pub kind: TemplateKind,
    pub name: String,
    pub subject: String,
    pub body: String,
    /// The agent rewrote it (it can go back to the stock words).
    pub edited: bool,
}

/// A variable the templates may use, for the editor's list.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateVariable {
    pub variable: Variable,
    /// As written in a template: `{first_name}`.
    pub marker: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplatesView {
    pub templates: Vec<MessageTemplate>,
    pub variables: Vec<TemplateVariable>,
}

/// A template filled for one lead, for the agent to read and change before sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftMessage {
    pub subject: String,
    pub body: String,
}

fn invalid(err: TemplateError) -> AppError {
    AppError::Invalid {
        message: err.to_string(),
    }
}

/// Every template, in seed 000's order, with the variables they may use.
pub async fn templates(cache: &Cache) -> Result<TemplatesView, AppError> {
    let edited = cache.edited_templates().await?;
    let templates = TemplateKind::ALL
        .iter()
        .map(|&kind| {
            let own = edited.iter().find(|(k, _)| *k == kind).map(|(_, t)| t);
            let text = own.cloned().unwrap_or_else(|| kind.stock());
            MessageTemplate {
                kind,
                name: kind.label().to_owned(),
                subject: text.subject,
                body: text.body,
                edited: own.is_some(),
            }
        })
        .collect();
    let variables = Variable::ALL
        .iter()
        .map(|&variable| TemplateVariable {
            variable,
            marker: format!("{{{}}}", variable.name()),
            description: variable.description().to_owned(),
        })
        .collect();
    Ok(TemplatesView {
        templates,
        variables,
    })
}

/// Keeps the agent's wording of `kind`, checked by the shared rules first.
pub async fn save_template(
    cache: &Cache,
    kind: TemplateKind,
    text: TemplateText,
    now: DateTime<Utc>,
) -> Result<TemplatesView, AppError> {
    messages::validate(&text).map_err(invalid)?;
    cache.save_template(kind, &text, now).await?;
    templates(cache).await
}

pub async fn reset_template(cache: &Cache, kind: TemplateKind) -> Result<TemplatesView, AppError> {
    cache.reset_template(kind).await?;
    templates(cache).await
}

/// Template `kind` filled from the bought lead `lead_id` and the signed-in agent.
pub async fn draft(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    kind: TemplateKind,
) -> Result<DraftMessage, AppError> {
    let agent = session
        .current_user()
        .await?
        .ok_or_else(AppError::signed_out)?;
    let lead = my_leads::current(cache, lead_id).await?;
    let contact = contact::details(&lead)?;
    let text = cache
        .edited_templates()
        .await?
        .into_iter()
        .find_map(|(k, text)| (k == kind).then_some(text))
        .unwrap_or_else(|| kind.stock());
    let context = MessageContext {
        customer_name: &contact.name,
        card: &lead.lead.card,
        agent_name: &agent.name,
        agent_email: &agent.email,
    };
    Ok(DraftMessage {
        subject: messages::fill(&text.subject, &context),
        body: messages::fill(&text.body, &context),
    })
}

/// Opens the message ready to send on `channel` and logs it in the lead's contact log.
pub async fn send(
    session: &SessionManager,
    cache: &Cache,
    opener: &dyn LinkOpener,
    lead_id: &str,
    channel: ContactChannel,
    message: DraftMessage,
    now: DateTime<Utc>,
) -> Result<ContactOpened, AppError> {
    if channel == ContactChannel::Call {
        return Err(AppError::Invalid {
            message: "A call carries no message: send it by email, WhatsApp or SMS.".to_owned(),
        });
    }
    messages::check_message(&message.subject, &message.body).map_err(invalid)?;
    let link = |details: &_| {
        let (phone, email) = contact::reachable(details);
        messages::message_url(
            channel,
            phone.as_ref(),
            email.as_ref(),
            &message.subject,
            &message.body,
        )
        .map_err(contact::no_link)
    };
    let reach = Reach {
        channel,
        link: &link,
        note: Some(message.body.trim().to_owned()),
    };
    contact::reach_lead(session, cache, opener, lead_id, reach, now).await
}
