import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Mail, MapPin, MessageCircle, MessageSquare, Phone, Undo2 } from "lucide-react";
import {
  addLeadNote,
  changeLeadStage,
  useCreditAmount,
  errorCode,
  errorMessage,
  myLeadQuery,
  openContact,
  markContactOutcome,
  discardSyncEdit,
  requestRefund,
  retrySyncEdit,
  type OutboxEntry,
  type ContactChannel,
  type ContactDto,
  type ContactOutcome,
  type PipelineStage,
  type PurchasedLead,
  type RefundGuard,
  type RefundReason,
} from "../lib/backend";
import {
  CHANNEL_LABELS,
  REFUND_REASON_LABELS,
  STAGE_LABELS,
  STAGE_STYLES,
  formatWorth,
  formatCreditsShort,
  formatDateTime,
  outcomeLabel,
  outcomesFor,
  plural,
  timeAgo,
} from "../lib/format";
import { Requirements, ScoreBreakdown } from "./PreviewDialog";
import { Badge, Button, ErrorAlert, Loading, inputClass } from "./ui";

const FUNNEL: PipelineStage[] = ["new", "contacted", "meeting", "quoted", "won", "lost"];
const RANK: Record<PipelineStage, number> = { new: 0, contacted: 1, meeting: 2, quoted: 3, won: 4, lost: 4 };

const CHANNELS: Array<{ channel: ContactChannel; label: string; icon: typeof Phone; needs: "phone" | "email" }> = [
  { channel: "call", label: "Call now", icon: Phone, needs: "phone" },
  { channel: "email", label: "Send email", icon: Mail, needs: "email" },
  { channel: "whats_app", label: "WhatsApp", icon: MessageCircle, needs: "phone" },
  { channel: "sms", label: "SMS", icon: MessageSquare, needs: "phone" },
];

/** Keeps every cached view of a lead in step with the server's answer. */
function useLeadUpdate() {
  const queryClient = useQueryClient();
  return (lead: PurchasedLead) => {
    queryClient.setQueryData(myLeadQuery(lead.lead.card.id).queryKey, (old) =>
      old ? { ...old, lead } : old,
    );
    // The outbox changed too (an edit waits or was sent): every My Leads view reads it again.
    void queryClient.invalidateQueries({ queryKey: ["my-leads"] });
    void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
  };
}

/** Seed 000's lead detail view: revealed contact, actions, requirements, quality, status, notes. */
export function LeadDetail({ leadId }: { leadId: string }) {
  const detail = useQuery(myLeadQuery(leadId));
  if (detail.isPending) return <Loading label="Opening the lead…" />;
  if (detail.isError) return <ErrorAlert message={errorMessage(detail.error)} />;
  const { lead, connection, outbox, guard } = detail.data;
  return <LeadDetailBody lead={lead} offline={connection === "offline"} outbox={outbox} guard={guard} />;
}

/** Edits of this lead the marketplace refused: why, and retry or discard (nothing is dropped silently). */
function SyncProblems({ outbox }: { outbox: OutboxEntry[] }) {
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["my-leads"] });
  const retry = useMutation({ mutationFn: retrySyncEdit, onSettled: refresh });
  const discard = useMutation({ mutationFn: discardSyncEdit, onSettled: refresh });
  const refused = outbox.filter((entry) => entry.problem);
  if (refused.length === 0) return null;
  return (
    <section data-testid="sync-problems" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
      <h3 className="mb-1 font-semibold">
        {refused.length === 1 ? "1 change was not saved" : `${refused.length} changes were not saved`}
      </h3>
      <ul className="flex flex-col gap-2">
        {refused.map((entry) => (
          <li key={entry.seq} className="flex items-center gap-3">
            <span className="flex-1">
              {describeEdit(entry)} ({formatDateTime(entry.createdAt)}): {entry.problem?.message}
            </span>
            <Button variant="secondary" className="py-1" onClick={() => retry.mutate(entry.seq)}>Retry</Button>
            <Button variant="secondary" className="py-1" onClick={() => discard.mutate(entry.seq)}>Discard</Button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function describeEdit(entry: OutboxEntry): string {
  const change = entry.change;
  switch (change.type) {
    case "stage":
      return `Status → ${STAGE_LABELS[change.stage]}`;
    case "note":
      return `Note “${change.body.length > 40 ? `${change.body.slice(0, 40)}…` : change.body}”`;
    case "contact":
      return `${CHANNEL_LABELS[change.channel]} logged`;
    case "contactOutcome":
      return `Contact attempt marked “${outcomeLabel(change.outcome)}”`;
  }
}

function LeadDetailBody({
  lead,
  offline,
  outbox,
  guard,
}: {
  lead: PurchasedLead;
  offline: boolean;
  outbox: OutboxEntry[];
  guard: RefundGuard;
}) {
  const waiting = outbox.filter((entry) => !entry.problem).length;
  const c = lead.contact;
  const card = lead.lead.card;
  const cost = formatWorth(useCreditAmount(lead.pricePaid));
  return (
    <div data-testid="lead-detail" data-lead-id={card.id} className="flex flex-col gap-6">
      {offline && (
        <p className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900">
          Offline: showing this lead as saved on this computer. Your changes are kept here and
          sent when you are back online.
        </p>
      )}
      {waiting > 0 && (
        <p data-testid="lead-pending" className="text-sm text-slate-600">
          {waiting === 1 ? "1 change waiting to sync" : `${waiting} changes waiting to sync`}
        </p>
      )}
      <SyncProblems outbox={outbox} />
      <section className="grid grid-cols-[1fr_auto] gap-4">
        {c ? (
          <div>
            <h3 className="mb-2 text-sm font-semibold text-slate-700">Contact info</h3>
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1.5 text-sm">
              <dt className="text-slate-500">Name</dt>
              <dd className="font-semibold" data-testid="contact-name">{c.name}</dd>
              <dt><Phone aria-label="Phone" size={16} className="text-slate-500" /></dt>
              <dd data-testid="contact-phone" className="whitespace-nowrap">{c.phoneDisplay ?? c.phone ?? "—"}</dd>
              <dt><Mail aria-label="Email" size={16} className="text-slate-500" /></dt>
              <dd data-testid="contact-email" className="min-w-0 wrap-anywhere" title={c.email ?? undefined}>{c.email ?? "—"}</dd>
              <dt><MapPin aria-label="Address" size={16} className="text-slate-500" /></dt>
              <dd className="min-w-0 break-words">{c.address ?? "—"}</dd>
            </dl>
          </div>
        ) : (
          <div data-testid="contact-erased" className="rounded-lg bg-slate-50 p-3 text-sm text-slate-600">
            <h3 className="mb-1 font-semibold text-slate-700">Contact details removed</h3>
            The refund was approved
            {lead.refund?.decidedAt ? ` on ${formatDateTime(lead.refund.decidedAt)}` : ""}, so this
            lead's contact details were removed from Leadmart and from this computer. Your notes and
            history stay.
          </div>
        )}
        <div className="text-right text-sm">
          <Badge className={STAGE_STYLES[lead.stage] ?? ""}>
            <span data-testid="detail-stage">{STAGE_LABELS[lead.stage]}</span>
          </Badge>
          <p className="mt-2 text-slate-500">Score {card.score}/100</p>
          <p className="text-slate-500">
            Cost {cost ?? formatCreditsShort(lead.pricePaid)}
            {cost && ` · ${formatCreditsShort(lead.pricePaid)}`}
          </p>
          <p className="text-slate-500">Bought {timeAgo(lead.purchasedAt)}</p>
        </div>
      </section>
      {c && <ContactActions contact={c} leadId={card.id} />}
      <section className="grid grid-cols-2 gap-6">
        <div>
          <h3 className="mb-2 text-sm font-semibold text-slate-700">Requirements</h3>
          <Requirements lead={lead.lead} />
          {lead.lead.description && (
            <p className="mt-2 text-sm text-slate-600">{lead.lead.description}</p>
          )}
        </div>
        <div>
          <h3 className="mb-2 text-sm font-semibold text-slate-700">Lead quality breakdown</h3>
          <ScoreBreakdown signals={lead.lead.scoreBreakdown} score={lead.lead.card.score} />
        </div>
      </section>
      <StageControl lead={lead} />
      <Notes lead={lead} />
      <ContactLog lead={lead} />
      <Refund lead={lead} offline={offline} guard={guard} />
    </div>
  );
}

/** Each attempt, with what came of it: the markers a refund request's evidence counts. */
function ContactLog({ lead }: { lead: PurchasedLead }) {
  const update = useLeadUpdate();
  const mark = useMutation({
    mutationFn: ({ at, outcome }: { at: string; outcome: ContactOutcome }) =>
      markContactOutcome(lead.lead.card.id, at, outcome),
    onSuccess: update,
  });
  if (lead.contactLog.length === 0) return null;
  return (
    <section>
      <h3 className="mb-2 text-sm font-semibold text-slate-700">Contact log</h3>
      <ul data-testid="contact-log" className="flex flex-col gap-1.5 text-sm text-slate-600">
        {lead.contactLog.map((entry) => (
          <li key={entry.id} className="flex items-baseline gap-3">
            <span className="min-w-0 flex-1 break-words">
              {CHANNEL_LABELS[entry.channel]} · {formatDateTime(entry.at)}
              {entry.note ? ` — ${entry.note}` : ""}
            </span>
            <select
              aria-label={`What came of the ${CHANNEL_LABELS[entry.channel]} on ${formatDateTime(entry.at)}`}
              data-testid="contact-outcome"
              className={`${inputClass} w-auto py-0.5 text-xs`}
              value={entry.outcome ?? ""}
              disabled={mark.isPending}
              onChange={(event) =>
                mark.mutate({ at: entry.at, outcome: event.target.value as ContactOutcome })
              }
            >
              {!entry.outcome && <option value="">How did it go?</option>}
              {outcomesFor(entry.channel).map((outcome) => (
                <option key={outcome} value={outcome}>
                  {outcomeLabel(outcome, entry.channel)}
                </option>
              ))}
            </select>
          </li>
        ))}
      </ul>
      {mark.isError && <ErrorAlert message={errorMessage(mark.error)} />}
    </section>
  );
}

function ContactActions({ contact: details, leadId }: { contact: ContactDto; leadId: string }) {
  const update = useLeadUpdate();
  const contact = useMutation({
    mutationFn: (channel: ContactChannel) => openContact(leadId, channel),
    onSuccess: (opened) => opened.lead && update(opened.lead),
  });
  return (
    <section className="flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        {CHANNELS.map(({ channel, label, icon: Icon, needs }) => (
          <Button
            key={channel}
            variant={channel === "call" ? "primary" : "secondary"}
            data-testid={`contact-${channel}`}
            disabled={!details[needs] || contact.isPending}
            onClick={() => contact.mutate(channel)}
          >
            <Icon aria-hidden size={16} /> {label}
          </Button>
        ))}
      </div>
      {contact.isError && <ErrorAlert message={errorMessage(contact.error)} />}
      {contact.data && (
        <p className="text-xs text-slate-500" aria-live="polite">
          Opened {contact.data.url}
          {contact.data.lead ? " · logged" : " · not logged (offline)"}
        </p>
      )}
    </section>
  );
}

function StageControl({ lead }: { lead: PurchasedLead }) {
  const update = useLeadUpdate();
  const terminal = lead.stage === "won" || lead.stage === "lost";
  const next = FUNNEL.filter((stage) => RANK[stage] > RANK[lead.stage]);
  const [stage, setStage] = useState<PipelineStage | "">(next[0] ?? "");
  const [dealValue, setDealValue] = useState("");
  const change = useMutation({
    mutationFn: () =>
      changeLeadStage(
        lead.lead.card.id,
        stage as PipelineStage,
        stage === "won" ? dealValue.trim().replace(/,/g, "") : null,
      ),
    onSuccess: (updated) => {
      update(updated);
      const after = FUNNEL.filter((s) => RANK[s] > RANK[updated.stage]);
      setStage(after[0] ?? "");
      setDealValue("");
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (stage) change.mutate();
  };
  return (
    <section>
      <h3 className="mb-2 text-sm font-semibold text-slate-700">Status</h3>
      <ol className="mb-3 flex flex-wrap items-center gap-1 text-xs">
        {lead.stageHistory.map((move) => (
          <li key={`${move.to}-${move.at}`} className="rounded bg-slate-100 px-2 py-0.5 text-slate-600">
            {STAGE_LABELS[move.to]} · {formatDateTime(move.at)}
          </li>
        ))}
        {lead.dealValue && (
          <li className="rounded bg-emerald-100 px-2 py-0.5 text-emerald-800">
            Deal value {lead.dealValue}
          </li>
        )}
      </ol>
      {terminal ? (
        <p className="text-sm text-slate-500">This lead is closed as {STAGE_LABELS[lead.stage]}.</p>
      ) : (
        <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            Move to
            <select
              data-testid="stage-select"
              className={inputClass}
              value={stage}
              onChange={(e) => setStage(e.target.value as PipelineStage)}
            >
              {next.map((s) => (
                <option key={s} value={s}>
                  {STAGE_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          {stage === "won" && (
            <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
              Deal value (commission earned)
              <input
                data-testid="deal-value"
                inputMode="decimal"
                required
                className={inputClass}
                value={dealValue}
                onChange={(e) => setDealValue(e.target.value)}
              />
            </label>
          )}
          <Button type="submit" data-testid="stage-submit" disabled={change.isPending || !stage}>
            {change.isPending ? "Saving…" : "Update status"}
          </Button>
        </form>
      )}
      {change.isError && (
        <div className="mt-2">
          <ErrorAlert
            message={
              errorCode(change.error) === "deal_value_required"
                ? "Enter the deal value to mark this lead as won."
                : errorMessage(change.error)
            }
          />
        </div>
      )}
    </section>
  );
}

function Notes({ lead }: { lead: PurchasedLead }) {
  const update = useLeadUpdate();
  const [body, setBody] = useState("");
  const add = useMutation({
    mutationFn: () => addLeadNote(lead.lead.card.id, body),
    onSuccess: (updated) => {
      update(updated);
      setBody("");
    },
  });
  return (
    <section>
      <h3 className="mb-2 text-sm font-semibold text-slate-700">Notes</h3>
      {lead.notes.length > 0 && (
        <ul data-testid="notes" className="mb-3 flex flex-col gap-2">
          {lead.notes.map((note) => (
            <li key={note.id} className="rounded-lg bg-slate-50 p-3 text-sm">
              <p className="whitespace-pre-wrap">{note.body}</p>
              <p className="mt-1 text-xs text-slate-500">
                {formatDateTime(note.createdAt)}
                {note.id.startsWith("pending-") && <span data-testid="note-pending"> · waiting to sync</span>}
              </p>
            </li>
          ))}
        </ul>
      )}
      <form
        className="flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (body.trim()) add.mutate();
        }}
      >
        <input
          data-testid="note-input"
          aria-label="New note"
          placeholder="Add a note: what they said, next step…"
          className={`${inputClass} flex-1`}
          value={body}
          onChange={(e) => setBody(e.target.value)}
        />
        <Button type="submit" data-testid="note-submit" variant="secondary" disabled={!body.trim() || add.isPending}>
          Add note
        </Button>
      </form>
      {add.isError && <div className="mt-2"><ErrorAlert message={errorMessage(add.error)} /></div>}
    </section>
  );
}

/** `4 days 3 h`, `20 h`, `less than an hour`: the time left Rust counted in whole hours. */
function hoursLeft(hours: number): string {
  if (hours < 1) return "less than an hour";
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  if (days === 0) return `${rest} h`;
  return rest === 0 ? plural(days, "day", "days") : `${plural(days, "day", "days")} ${rest} h`;
}

/** The quality guarantee with the refund guardian: the window's countdown, a nudge on the last
 * day when the customer was never reached, and a request prefilled with the contact log's
 * evidence. */
function Refund({ lead, offline, guard }: { lead: PurchasedLead; offline: boolean; guard: RefundGuard }) {
  const update = useLeadUpdate();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<RefundReason>(guard.suggestedReason);
  const [note, setNote] = useState(guard.evidence);
  const ask = useMutation({
    mutationFn: () => requestRefund(lead.lead.card.id, reason, note),
    onSuccess: (updated) => {
      update(updated);
      setOpen(false);
    },
  });
  const refund = lead.refund;
  const start = () => {
    setReason(guard.suggestedReason);
    setNote(guard.evidence);
    setOpen(true);
  };
  return (
    <section className="border-t border-slate-100 pt-4" data-testid="refund-guardian">
      <h3 className="mb-2 text-sm font-semibold text-slate-700">Quality guarantee</h3>
      {refund ? (
        <p data-testid="refund-status" className="text-sm">
          Refund {refund.status === "requested" ? "requested" : refund.status}
          {refund.decidedAt ? ` on ${formatDateTime(refund.decidedAt)}` : ""} ·{" "}
          {REFUND_REASON_LABELS[refund.reason]} · {formatCreditsShort(refund.credits)}
          {refund.decisionNote ? ` — ${refund.decisionNote}` : ""}
        </p>
      ) : !guard.windowOpen ? (
        <p className="text-sm text-slate-500">
          The refund window closed {timeAgo(guard.deadline)}.
        </p>
      ) : !open ? (
        <div
          className={`flex items-center justify-between gap-3 text-sm ${guard.remind ? "rounded-lg bg-amber-50 p-3 text-amber-900" : "text-slate-600"}`}
        >
          <span data-testid="refund-countdown">
            {guard.remind
              ? `The refund window closes in ${hoursLeft(guard.hoursLeft)} and you have not reached this customer yet.`
              : `Bad lead? You can ask for a refund for ${hoursLeft(guard.hoursLeft)} more (until ${formatDateTime(guard.deadline)}).`}
            {guard.attempts > 0 && ` ${plural(guard.attempts, "contact attempt", "contact attempts")} logged as evidence.`}
            {offline && " Refunds need the network: ask once you are back online."}
          </span>
          <Button variant="secondary" data-testid="refund-open" disabled={offline} onClick={start}>
            <Undo2 aria-hidden size={16} /> Request refund
          </Button>
        </div>
      ) : (
        <form
          data-testid="refund-form"
          className="flex flex-col gap-3 rounded-lg border border-slate-200 p-4"
          onSubmit={(event) => {
            event.preventDefault();
            ask.mutate();
          }}
        >
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            Reason
            <select
              data-testid="refund-reason"
              className={inputClass}
              value={reason}
              onChange={(e) => setReason(e.target.value as RefundReason)}
            >
              {Object.entries(REFUND_REASON_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            What happened (your contact log is filled in as evidence; add what you know)
            <textarea
              data-testid="refund-note"
              rows={5}
              className={inputClass}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          {ask.isError && <ErrorAlert message={errorMessage(ask.error)} />}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" data-testid="refund-submit" disabled={ask.isPending}>
              {ask.isPending ? "Sending…" : "Send refund request"}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
