import { useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Mail, MessageCircle, MessageSquare, Phone, RotateCcw, Send, WifiOff } from "lucide-react";
import {
  draftMessage,
  errorMessage,
  messageTemplatesQuery,
  myLeadsQuery,
  resetMessageTemplate,
  saveMessageTemplate,
  sendMessage,
  type ContactChannel,
  type MessageTemplate,
  type PurchasedLead,
  type TemplateKind,
  type TemplateVariable,
} from "../lib/backend";
import { CHANNEL_LABELS, STAGE_LABELS, STAGE_STYLES, categoryLabel, formatDateTime, outcomeLabel, timeAgo } from "../lib/format";
import { Badge, Button, ErrorAlert, Loading, Panel, Tab, inputClass } from "../components/ui";

const SEND_CHANNELS: Array<{ channel: ContactChannel; icon: typeof Mail; needs: "phone" | "email" }> = [
  { channel: "email", icon: Mail, needs: "email" },
  { channel: "whats_app", icon: MessageCircle, needs: "phone" },
  { channel: "sms", icon: MessageSquare, needs: "phone" },
];

const CHANNEL_ICONS: Record<ContactChannel, typeof Mail> = {
  call: Phone,
  email: Mail,
  whats_app: MessageCircle,
  sms: MessageSquare,
};

/** When the agent last reached the lead, else when they bought it: newest conversations first. */
function lastActivity(lead: PurchasedLead): string {
  return lead.contactLog.at(-1)?.at ?? lead.purchasedAt;
}

/** Seed 000 §4: the conversations (each bought lead's contact log) and the message templates. */
export function MessagesPage() {
  const [tab, setTab] = useState<"conversations" | "templates">("conversations");
  return (
    <div className="flex h-full flex-col gap-4">
      <div role="tablist" aria-label="Messages" className="flex border-b border-slate-200">
        <Tab selected={tab === "conversations"} onSelect={() => setTab("conversations")} testId="messages-tab-conversations">
          Conversations
        </Tab>
        <Tab selected={tab === "templates"} onSelect={() => setTab("templates")} testId="messages-tab-templates">
          Templates
        </Tab>
      </div>
      {tab === "conversations" ? <Conversations /> : <TemplateEditor />}
    </div>
  );
}

function Conversations() {
  const list = useQuery(myLeadsQuery());
  const [selected, setSelected] = useState<string | null>(null);
  const leads = useMemo(
    () =>
      (list.data?.leads ?? [])
        .filter((lead) => lead.contact)
        .sort((a, b) => lastActivity(b).localeCompare(lastActivity(a))),
    [list.data],
  );
  if (list.isPending) return <Loading label="Opening your conversations…" />;
  if (list.isError) return <ErrorAlert message={errorMessage(list.error)} />;
  const current = leads.find((lead) => lead.lead.card.id === selected) ?? leads[0];
  if (!current) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">
          No conversations yet. Buy a lead on Available Leads, then write to them from here with a template.
        </p>
      </Panel>
    );
  }
  return (
    <div className="grid min-h-0 flex-1 grid-cols-[16rem_1fr] gap-4">
      <nav aria-label="Conversations" className="flex min-h-0 flex-col gap-1 overflow-y-auto" data-testid="conversations">
        {list.data.connection === "offline" && (
          <p className="mb-1 flex items-center gap-1.5 rounded-lg bg-amber-50 p-2 text-xs text-amber-900">
            <WifiOff aria-hidden size={14} /> Offline: messages you send are logged when you are back.
          </p>
        )}
        {leads.map((lead) => {
          const last = lead.contactLog.at(-1);
          const active = lead === current;
          return (
            <button
              key={lead.lead.card.id}
              type="button"
              data-testid="conversation"
              data-lead-id={lead.lead.card.id}
              aria-current={active}
              onClick={() => setSelected(lead.lead.card.id)}
              className={`rounded-lg px-3 py-2 text-left text-sm ${active ? "bg-brand-50 ring-1 ring-brand-200" : "hover:bg-slate-50"}`}
            >
              <span className="block truncate font-semibold text-slate-900">{lead.contact?.name}</span>
              <span className="block truncate text-xs text-slate-500">
                {lead.lead.card.title} · {lead.lead.card.area || lead.lead.card.city}
              </span>
              <span className="block text-xs text-slate-500">
                {last ? `${CHANNEL_LABELS[last.channel]} · ${timeAgo(last.at)}` : `Bought ${timeAgo(lead.purchasedAt)} · not contacted yet`}
              </span>
            </button>
          );
        })}
      </nav>
      <Conversation key={current.lead.card.id} lead={current} />
    </div>
  );
}

function Conversation({ lead }: { lead: PurchasedLead }) {
  const contact = lead.contact;
  const card = lead.lead.card;
  return (
    <section className="flex min-h-0 flex-col rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="conversation-thread">
      <header className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
        <div className="min-w-0">
          <h2 className="truncate text-base font-semibold text-slate-900" data-testid="conversation-name">{contact?.name}</h2>
          <p className="truncate text-xs text-slate-500">
            {card.title} · {categoryLabel(card.category)} · {card.area || card.city}
          </p>
        </div>
        <Badge className={STAGE_STYLES[lead.stage] ?? ""}>{STAGE_LABELS[lead.stage]}</Badge>
      </header>
      <ol className="flex min-h-0 flex-1 flex-col gap-3 overflow-y-auto px-5 py-4" data-testid="thread">
        {lead.contactLog.length === 0 && (
          <li className="text-sm text-slate-500">
            You have not contacted {contact?.name ?? "this customer"} yet. Pick a template below: speed wins leads.
          </li>
        )}
        {lead.contactLog.map((entry) => {
          const Icon = CHANNEL_ICONS[entry.channel];
          return (
            <li key={entry.id} data-testid="thread-entry" className="max-w-[85%] self-end rounded-lg bg-brand-50 px-3 py-2 text-sm">
              <p className="mb-1 flex items-center gap-1.5 text-xs font-medium text-slate-500">
                <Icon aria-hidden size={12} /> You · {CHANNEL_LABELS[entry.channel]} · {formatDateTime(entry.at)}
                {entry.id.startsWith("pending-") && " · waiting to sync"}
                {entry.outcome && ` · ${outcomeLabel(entry.outcome, entry.channel)}`}
              </p>
              <p className="whitespace-pre-wrap text-slate-800">{entry.note ?? `${CHANNEL_LABELS[entry.channel]} (no text logged)`}</p>
            </li>
          );
        })}
      </ol>
      <Composer lead={lead} />
    </section>
  );
}

function Composer({ lead }: { lead: PurchasedLead }) {
  const queryClient = useQueryClient();
  const templates = useQuery(messageTemplatesQuery());
  const contact = lead.contact;
  const leadId = lead.lead.card.id;
  const firstChannel = SEND_CHANNELS.find(({ needs }) => contact?.[needs])?.channel ?? "email";
  const [channel, setChannel] = useState<ContactChannel>(firstChannel);
  const [kind, setKind] = useState<TemplateKind>(lead.contactLog.length === 0 ? "initial_contact" : "follow_up");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const draft = useMutation({
    mutationFn: (template: TemplateKind) => draftMessage(leadId, template),
    onSuccess: (filled) => {
      setSubject(filled.subject);
      setBody(filled.body);
    },
  });
  const fill = draft.mutate;
  useEffect(() => fill(kind), [fill, kind]);
  const send = useMutation({
    mutationFn: () => sendMessage(leadId, channel, { subject, body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["my-leads"] });
      void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
    },
  });
  return (
    <form
      data-testid="composer"
      className="flex flex-col gap-2 border-t border-slate-100 px-5 py-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (body.trim()) send.mutate();
      }}
    >
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Template
          <select
            data-testid="composer-template"
            className={inputClass}
            value={kind}
            onChange={(e) => setKind(e.target.value as TemplateKind)}
          >
            {(templates.data?.templates ?? []).map((template) => (
              <option key={template.kind} value={template.kind}>
                {template.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset aria-label="Send with" className="flex gap-1">
          {SEND_CHANNELS.map(({ channel: option, icon: Icon, needs }) => (
            <Button
              key={option}
              aria-pressed={channel === option}
              data-testid={`composer-channel-${option}`}
              variant={channel === option ? "primary" : "secondary"}
              disabled={!contact?.[needs]}
              title={contact?.[needs] ? undefined : needs === "email" ? "No email address" : "No phone number"}
              onClick={() => setChannel(option)}
            >
              <Icon aria-hidden size={16} /> {CHANNEL_LABELS[option]}
            </Button>
          ))}
        </fieldset>
      </div>
      {channel === "email" && (
        <input
          data-testid="composer-subject"
          aria-label="Subject"
          className={inputClass}
          value={subject}
          onChange={(e) => setSubject(e.target.value)}
        />
      )}
      <textarea
        data-testid="composer-body"
        aria-label="Message"
        rows={5}
        className={inputClass}
        value={body}
        onChange={(e) => setBody(e.target.value)}
      />
      {draft.isError && <ErrorAlert message={errorMessage(draft.error)} />}
      {send.isError && <ErrorAlert message={errorMessage(send.error)} />}
      <div className="flex items-center justify-between gap-3">
        <p className="text-xs text-slate-500" aria-live="polite" data-testid="composer-status">
          {send.isSuccess
            ? send.data.lead?.contactLog.at(-1)?.id.startsWith("pending-")
              ? `Opened in ${CHANNEL_LABELS[channel]} · logged, waiting to sync`
              : `Opened in ${CHANNEL_LABELS[channel]} · logged`
            : `Opens your ${channel === "email" ? "mail app" : CHANNEL_LABELS[channel]} with this text, then logs it here.`}
        </p>
        <Button type="submit" data-testid="composer-send" disabled={!body.trim() || send.isPending || draft.isPending}>
          <Send aria-hidden size={16} /> {send.isPending ? "Opening…" : `Send by ${CHANNEL_LABELS[channel]}`}
        </Button>
      </div>
    </form>
  );
}

function TemplateEditor() {
  const templates = useQuery(messageTemplatesQuery());
  const [kind, setKind] = useState<TemplateKind>("initial_contact");
  if (templates.isPending) return <Loading label="Opening your templates…" />;
  if (templates.isError) return <ErrorAlert message={errorMessage(templates.error)} />;
  const current = templates.data.templates.find((t) => t.kind === kind) ?? templates.data.templates[0];
  if (!current) return null;
  return (
    <div className="grid grid-cols-[16rem_1fr] gap-4">
      <nav aria-label="Templates" className="flex flex-col gap-1" data-testid="template-list">
        {templates.data.templates.map((template) => (
          <button
            key={template.kind}
            type="button"
            data-testid={`template-${template.kind}`}
            aria-current={template.kind === current.kind}
            onClick={() => setKind(template.kind)}
            className={`rounded-lg px-3 py-2 text-left text-sm ${template.kind === current.kind ? "bg-brand-50 ring-1 ring-brand-200" : "hover:bg-slate-50"}`}
          >
            <span className="font-medium text-slate-900">{template.name}</span>
            {template.edited && <span className="ml-2 text-xs text-slate-500">edited</span>}
          </button>
        ))}
      </nav>
      <TemplateForm key={`${current.kind}-${current.body}`} template={current} variables={templates.data.variables} />
    </div>
  );
}

function TemplateForm({ template, variables }: { template: MessageTemplate; variables: TemplateVariable[] }) {
  const queryClient = useQueryClient();
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const store = (view: Awaited<ReturnType<typeof saveMessageTemplate>>) =>
    queryClient.setQueryData(messageTemplatesQuery().queryKey, view);
  const save = useMutation({ mutationFn: () => saveMessageTemplate(template.kind, subject, body), onSuccess: store });
  const reset = useMutation({ mutationFn: () => resetMessageTemplate(template.kind), onSuccess: store });
  const changed = subject !== template.subject || body !== template.body;
  /** Puts `{marker}` where the cursor is in the message. */
  const insert = (marker: string) => {
    const area = bodyRef.current;
    const start = area?.selectionStart ?? body.length;
    const end = area?.selectionEnd ?? body.length;
    setBody(body.slice(0, start) + marker + body.slice(end));
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(start + marker.length, start + marker.length);
    });
  };
  return (
    <Panel title={template.name} testId="template-form">
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Email subject
          <input data-testid="template-subject" className={inputClass} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Message
          <textarea
            ref={bodyRef}
            data-testid="template-body"
            rows={9}
            className={inputClass}
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
        </label>
        <div>
          <p className="mb-1 text-xs font-medium text-slate-600">Insert a variable (filled from the lead and your profile when you write)</p>
          <div className="flex flex-wrap gap-1.5">
            {variables.map((variable) => (
              <button
                key={variable.marker}
                type="button"
                title={variable.description}
                onClick={() => insert(variable.marker)}
                className="rounded-md border border-slate-200 bg-slate-50 px-2 py-0.5 font-mono text-xs text-slate-700 hover:bg-slate-100"
              >
                {variable.marker}
              </button>
            ))}
          </div>
        </div>
        {save.isError && <ErrorAlert message={errorMessage(save.error)} testId="template-error" />}
        {reset.isError && <ErrorAlert message={errorMessage(reset.error)} />}
        <div className="flex items-center justify-between gap-2">
          <p className="text-xs text-slate-500" aria-live="polite">
            {save.isSuccess && !changed ? "Saved on this computer." : changed ? "Not saved yet." : ""}
          </p>
          <div className="flex gap-2">
            {template.edited && (
              <Button variant="ghost" data-testid="template-reset" onClick={() => reset.mutate()} disabled={reset.isPending}>
                <RotateCcw aria-hidden size={16} /> Back to the stock words
              </Button>
            )}
            <Button type="submit" data-testid="template-save" disabled={!changed || save.isPending}>
              {save.isPending ? "Saving…" : "Save template"}
            </Button>
          </div>
        </div>
      </form>
    </Panel>
  );
}
