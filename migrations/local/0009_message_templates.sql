-- Messages (issue 13): the agent's own wording of the stock message templates.
-- Device-owned: the server never writes here and sync never touches it. A kind without a row
-- uses the stock words of `leadmart_shared::messages::TemplateKind::stock`; deleting the row
-- ("Reset to the stock words") brings them back. Rows are checked with
-- `leadmart_shared::messages::validate` before they are written.
CREATE TABLE message_templates (
    kind       TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
