import { Suspense, lazy, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Check, X } from "lucide-react";
import {
  adminOverviewQuery,
  auditLogQuery,
  decideRefund,
  errorMessage,
  refundQueueQuery,
  type AdminOverview,
  type AdminRefund,
  type AuditAction,
} from "../lib/backend";
import {
  CHANNEL_LABELS,
  outcomeLabel,
  REFUND_REASON_LABELS,
  STAGE_LABELS,
  categoryLabel,
  formatCreditsShort,
  formatDateTime,
  formatMoney,
  plural,
  timeAgo,
} from "../lib/format";
import { Button, ErrorAlert, Loading, Metric, Panel, Tab, TableHead, inputClass } from "../components/ui";
import { InventoryTab } from "./admin/InventoryTab";
import { PartnersTab } from "./admin/PartnersTab";

// Chart.js is large: loaded with the first chart, not with the window.
const BarChart = lazy(() => import("../components/BarChart"));

const AUDIT_LABELS: Record<AuditAction, string> = {
  refund_approved: "Refund approved",
  refund_denied: "Refund denied",
  partner_approved: "Partner approved",
  partner_suspended: "Partner suspended",
  partner_unsuspended: "Partner unsuspended",
  agent_verified: "Agent verified",
  leads_unlisted: "Leads unlisted",
  leads_relisted: "Leads listed again",
};

type AdminTab = "overview" | "inventory" | "refunds" | "partners" | "audit";

/** The operator's console (admins only): overview, lead inventory, the refund queue with its
 * evidence, partners, the audit log. */
export function AdminPage() {
  const [tab, setTab] = useState<AdminTab>("overview");
  // The inventory's partner filter, also set from a partner's "See their leads".
  const [partner, setPartner] = useState<string | null>(null);
  const queue = useQuery(refundQueueQuery());
  const waiting = queue.data?.length ?? 0;
  return (
    <div className="flex flex-col gap-4">
      <div role="tablist" aria-label="Admin console" className="flex border-b border-slate-200">
        <Tab selected={tab === "overview"} onSelect={() => setTab("overview")} testId="admin-tab-overview">
          Overview
        </Tab>
        <Tab selected={tab === "inventory"} onSelect={() => setTab("inventory")} testId="admin-tab-inventory">
          Lead inventory
        </Tab>
        <Tab selected={tab === "refunds"} onSelect={() => setTab("refunds")} testId="admin-tab-refunds">
          Refund queue{waiting > 0 && ` (${waiting})`}
        </Tab>
        <Tab selected={tab === "partners"} onSelect={() => setTab("partners")} testId="admin-tab-partners">
          Partners
        </Tab>
        <Tab selected={tab === "audit"} onSelect={() => setTab("audit")} testId="admin-tab-audit">
          Audit log
        </Tab>
      </div>
      {tab === "overview" && <Overview />}
      {tab === "inventory" && <InventoryTab partner={partner} onPartner={setPartner} />}
      {tab === "refunds" && <RefundQueue />}
      {tab === "partners" && (
        <PartnersTab
          onShowLeads={(id) => {
            setPartner(id);
            setTab("inventory");
          }}
        />
      )}
      {tab === "audit" && <AuditLog />}
    </div>
  );
}

function Overview() {
  const overview = useQuery(adminOverviewQuery(30));
  if (overview.isPending) return <Loading label="Adding up the marketplace…" />;
  if (overview.isError) return <ErrorAlert message={errorMessage(overview.error)} />;
  const o = overview.data;
  const lastWeek = o.trend.slice(-7);
  const listed = lastWeek.reduce((sum, day) => sum + day.listed, 0);
  const sold = lastWeek.reduce((sum, day) => sum + day.sold, 0);
  const money = (amount: string) => formatMoney(amount, o.financials.currency);
  return (
    <div className="flex flex-col gap-4" data-testid="admin-overview">
      <div className="grid grid-cols-4 gap-4">
        <Metric label="Leads listed this week" value={listed.toLocaleString()} testId="admin-listed" />
        <Metric label="Leads sold this week" value={sold.toLocaleString()} testId="admin-sold" />
        <Metric
          label={`Agents (buying in the last ${o.days} days)`}
          value={`${o.agents.toLocaleString()} (${o.activeAgents.toLocaleString()})`}
          testId="admin-agents"
        />
        <Metric
          label="Partners (with leads listed)"
          value={`${o.partners.toLocaleString()} (${o.activePartners.toLocaleString()})`}
          testId="admin-partners"
        />
      </div>
      <Panel title="Listed and sold, last 14 days" testId="admin-trend">
        <TrendChart overview={o} />
      </Panel>
      <Panel title={`Financials, last ${o.days} days`} testId="admin-financials">
        <dl className="grid grid-cols-3 gap-4 text-sm">
          {[
            ["Gross lead sales", money(o.financials.gross)],
            ["Refunds", money(o.financials.refunds)],
            ["Partner commissions", money(o.financials.commissions)],
            ["Net", money(o.financials.net)],
            ["Commission payable now", money(o.financials.pendingPayouts)],
            [
              "Credit packages sold",
              `${plural(o.financials.packagesSold, "package", "packages")} · ${money(o.financials.packageRevenue)}`,
            ],
          ].map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs font-medium text-slate-500">{label}</dt>
              <dd className="mt-1 text-lg font-semibold text-slate-900 tabular-nums">{value}</dd>
            </div>
          ))}
        </dl>
      </Panel>
    </div>
  );
}

/** Two bars a day, listed and sold (Chart.js). */
function TrendChart({ overview }: { overview: AdminOverview }) {
  const days = overview.trend.map((day) =>
    new Date(`${day.day}T12:00:00`).toLocaleDateString(undefined, { day: "numeric", month: "short" }),
  );
  const listed = overview.trend.map((day) => day.listed);
  const sold = overview.trend.map((day) => day.sold);
  return (
    <Suspense fallback={<div style={{ height: 200 }} />}>
      <BarChart
        testId="admin-trend-chart"
        label={`Leads listed and sold per day, the last ${days.length} days: ${listed.reduce((a, b) => a + b, 0)} listed, ${sold.reduce((a, b) => a + b, 0)} sold`}
        labels={days}
        series={[
          { label: "Listed", values: listed, color: "#0f766e" },
          { label: "Sold", values: sold, color: "#f59e0b" },
        ]}
        height={200}
      />
    </Suspense>
  );
}

function RefundQueue() {
  const queue = useQuery(refundQueueQuery());
  if (queue.isPending) return <Loading label="Opening the refund queue…" />;
  if (queue.isError) return <ErrorAlert message={errorMessage(queue.error)} />;
  if (queue.data.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600" data-testid="refund-queue-empty">No refund requests are waiting.</p>
      </Panel>
    );
  }
  return (
    <ul className="flex flex-col gap-4" data-testid="refund-queue">
      {queue.data.map((request) => (
        <RefundRequest key={request.id} request={request} />
      ))}
    </ul>
  );
}

function RefundRequest({ request }: { request: AdminRefund }) {
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const decide = useMutation({
    mutationFn: (approve: boolean) => decideRefund(request.id, approve, note.trim() || null),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["admin"] }),
  });
  const lead = request.lead;
  const card = lead.lead.card;
  return (
    <li data-testid="refund-request" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <header className="mb-3 flex items-start justify-between gap-4">
        <div className="min-w-0">
          <h2 className="truncate font-semibold text-slate-900">
            {card.title} · {card.area || card.city}
          </h2>
          <p className="text-xs text-slate-500">
            {categoryLabel(card.category)} · bought by {request.buyer} {timeAgo(lead.purchasedAt)} ·{" "}
            {STAGE_LABELS[lead.stage]} · asked {formatDateTime(request.requestedAt)}
          </p>
        </div>
        <span className="shrink-0 text-sm font-semibold text-slate-800">{formatCreditsShort(request.credits)}</span>
      </header>
      <div className="grid grid-cols-2 gap-4 text-sm">
        <div>
          <h3 className="mb-1 text-xs font-semibold text-slate-500 uppercase">
            {REFUND_REASON_LABELS[request.reason]}
          </h3>
          <p data-testid="refund-evidence" className="whitespace-pre-wrap text-slate-800">
            {request.note || "No note."}
          </p>
        </div>
        <div>
          <h3 className="mb-1 text-xs font-semibold text-slate-500 uppercase">
            Contact log ({plural(lead.contactLog.length, "attempt", "attempts")})
          </h3>
          <ul className="flex flex-col gap-1 text-slate-700">
            {lead.contactLog.map((entry) => (
              <li key={entry.id} className="truncate" title={entry.note ?? undefined}>
                {CHANNEL_LABELS[entry.channel]} · {formatDateTime(entry.at)}
                {entry.outcome && ` · ${outcomeLabel(entry.outcome, entry.channel)}`}
                {entry.note ? ` — ${entry.note}` : ""}
              </li>
            ))}
            {lead.contactLog.length === 0 && <li className="text-slate-500">Nothing logged.</li>}
          </ul>
        </div>
      </div>
      <form
        className="mt-4 flex items-center gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          decide.mutate(true);
        }}
      >
        <input
          aria-label="Decision note"
          data-testid="decision-note"
          placeholder="Note to the agent (optional)"
          className={`${inputClass} flex-1`}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <Button variant="secondary" data-testid="refund-deny" disabled={decide.isPending} onClick={() => decide.mutate(false)}>
          <X aria-hidden size={16} /> Deny
        </Button>
        <Button type="submit" data-testid="refund-approve" disabled={decide.isPending}>
          <Check aria-hidden size={16} /> Approve and refund
        </Button>
      </form>
      {decide.isError && <div className="mt-2"><ErrorAlert message={errorMessage(decide.error)} /></div>}
    </li>
  );
}

function AuditLog() {
  const log = useQuery(auditLogQuery());
  if (log.isPending) return <Loading label="Opening the audit log…" />;
  if (log.isError) return <ErrorAlert message={errorMessage(log.error)} />;
  return (
    <Panel title="Sensitive actions, newest first" testId="audit-log">
      <table className="w-full text-left text-sm">
        <TableHead columns={[{ label: "When" }, { label: "Admin" }, { label: "Action" }, { label: "On" }, { label: "Detail" }]} />
        <tbody>
          {log.data.map((entry) => (
            <tr key={entry.id} data-testid="audit-entry" className="border-t border-slate-100 align-top">
              <td className="py-2 pr-3 whitespace-nowrap">{formatDateTime(entry.at)}</td>
              <td className="py-2 pl-4">{entry.actor}</td>
              <td className="py-2 pl-4 whitespace-nowrap">{AUDIT_LABELS[entry.action]}</td>
              <td className="py-2 pl-4 whitespace-nowrap">{entry.subject}</td>
              <td className="py-2 pl-4 text-slate-600">{entry.detail}</td>
            </tr>
          ))}
          {log.data.length === 0 && (
            <tr>
              <td colSpan={5} className="py-6 text-center text-slate-500">Nothing recorded yet.</td>
            </tr>
          )}
        </tbody>
      </table>
    </Panel>
  );
}
