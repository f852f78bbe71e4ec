import { Suspense, lazy, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Download, WifiOff } from "lucide-react";
import { analyticsQuery, errorMessage, exportAnalytics, type SegmentRow, type Span, type SpeedToLead } from "../lib/backend";
import { STAGE_LABELS, categoryLabel, formatDateTime, formatMoneyWhole, formatPercent, formatWorth, plural } from "../lib/format";
import { Button, ErrorAlert, Loading, Metric, Panel, Tab } from "../components/ui";

// Chart.js is large: loaded with the first chart, not with the window.
const BarChart = lazy(() => import("../components/BarChart"));

const RANGES = [
  { id: "30", label: "Last 30 days", days: 30 },
  { id: "90", label: "Last 90 days", days: 90 },
  { id: "365", label: "Last 12 months", days: 365 },
  { id: "all", label: "All time", days: null },
] as const;

/** `3 days`, `5 h`, `40 min`: a span Rust measured in minutes. */
function duration(minutes: number): string {
  if (minutes >= 2 * 1440) return plural(Math.round(minutes / 1440), "day", "days");
  if (minutes >= 120) return `${Math.round(minutes / 60)} h`;
  if (minutes === 0) return "under 1 min";
  return `${minutes} min`;
}

function SpanPanel({ title, span, empty, testId }: { title: string; span: Span | null; empty: string; testId: string }) {
  return (
    <Panel title={title} testId={testId}>
      {span ? (
        <dl className="grid grid-cols-3 gap-4 p-4 text-center">
          {[
            ["Average", span.averageMinutes],
            ["Fastest", span.fastestMinutes],
            ["Slowest", span.slowestMinutes],
          ].map(([label, minutes]) => (
            <div key={label}>
              <dt className="text-xs font-medium text-slate-500">{label}</dt>
              <dd className="mt-1 text-lg font-semibold text-slate-900">{duration(Number(minutes))}</dd>
            </div>
          ))}
          <p className="col-span-3 text-xs text-slate-500">Over {plural(span.leads, "lead", "leads")}</p>
        </dl>
      ) : (
        <p className="p-4 text-sm text-slate-500">{empty}</p>
      )}
    </Panel>
  );
}

/** The speed-to-lead log: how fast each lead bought from its notification was opened, bought
 * and contacted, counted from the alert. */
function SpeedToLeadPanel({
  rows,
  toPurchase,
  toContact,
}: {
  rows: SpeedToLead[];
  toPurchase: Span | null;
  toContact: Span | null;
}) {
  const after = (minutes: number | null | undefined, none: string) =>
    minutes == null ? none : minutes === 0 ? "within 1 min" : `+${duration(minutes)}`;
  return (
    <Panel title="Speed to lead (alert → opened → bought → first contact)" testId="speed-to-lead">
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">
          No lead bought from a notification in this period yet. With new-lead alerts on (Settings), each lead you buy
          from one shows here with how fast you opened, bought and called it.
        </p>
      ) : (
        <>
          <p className="mb-3 text-sm text-slate-600">
            {toPurchase && `Alert to purchase: ${duration(toPurchase.averageMinutes)} on average (fastest ${duration(toPurchase.fastestMinutes)}).`}
            {toContact && ` Alert to first contact: ${duration(toContact.averageMinutes)} on average.`}
          </p>
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs font-semibold tracking-wide text-slate-500 uppercase">
              <tr>
                <th className="px-3 py-2">Lead</th>
                <th className="px-3 py-2">Alert</th>
                <th className="px-3 py-2 text-right">Opened</th>
                <th className="px-3 py-2 text-right">Bought</th>
                <th className="px-3 py-2 text-right">First contact</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.leadId} data-testid="speed-row" className="border-t border-slate-100">
                  <td className="px-3 py-2">
                    {row.title} · {row.area}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap text-slate-600">{formatDateTime(row.alertAt)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{after(row.openedAfter, "not from the alert")}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{after(row.boughtAfter, "—")}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{after(row.contactedAfter, "not yet")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}

function SegmentTable({
  title,
  rows,
  label,
  testId,
}: {
  title: string;
  rows: SegmentRow[];
  label: (segment: string) => string;
  testId: string;
}) {
  return (
    <Panel title={title} testId={testId}>
      <table className="w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs font-semibold tracking-wide text-slate-500 uppercase">
          <tr>
            <th className="px-4 py-2">Segment</th>
            <th className="px-4 py-2 text-right">Leads</th>
            <th className="px-4 py-2 text-right">Cost</th>
            <th className="px-4 py-2 text-right">Closed</th>
            <th className="px-4 py-2 text-right">Revenue</th>
            <th className="px-4 py-2 text-right">ROI</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.segment}-${row.currency}`} className="border-t border-slate-100">
              <td className="px-4 py-2 font-medium text-slate-800">{label(row.segment)}</td>
              <td className="px-4 py-2 text-right tabular-nums">{row.leads}</td>
              <td className="px-4 py-2 text-right tabular-nums">{formatWorth(row.spent) ?? `${row.spent.credits} cr`}</td>
              <td className="px-4 py-2 text-right tabular-nums">{row.won}</td>
              <td className="px-4 py-2 text-right tabular-nums">{formatMoneyWhole(row.revenue, row.currency)}</td>
              <td className="px-4 py-2 text-right tabular-nums">{row.roi === null ? "—" : formatPercent(row.roi)}</td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="px-4 py-6 text-center text-slate-500">
                No leads bought in this period.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Panel>
  );
}

type FunnelBar = { name: string; leads: number; rate: string | null };

/** The funnel as horizontal bars (Chart.js), with each step's count and rate of the one before
 * in text below. */
function FunnelChart({ steps }: { steps: FunnelBar[] }) {
  return (
    <div className="flex flex-col gap-3 p-4">
      <Suspense fallback={<div style={{ height: 40 * steps.length + 30 }} />}>
        <BarChart
          testId="funnel-chart"
          label={`Leads at each step: ${steps.map((s) => `${s.name} ${s.leads}`).join(", ")}`}
          labels={steps.map((step) => step.name)}
          series={[{ label: "Leads", values: steps.map((step) => step.leads), color: "#0f766e" }]}
          horizontal
          height={40 * steps.length + 30}
        />
      </Suspense>
      <ol className="flex flex-wrap gap-x-6 gap-y-1 text-sm" aria-label="Leads at each step">
        {steps.map((step) => (
          <li key={step.name} className="whitespace-nowrap tabular-nums text-slate-800">
            <span className="text-slate-600">{step.name}</span> {step.leads.toLocaleString()}
            {step.rate && <span className="text-slate-500"> · {step.rate} of the step before</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

const EXCLUSIVITY_LABELS: Record<string, string> = { exclusive: "Exclusive leads", shared: "Shared leads" };

export function AnalyticsPage() {
  const [rangeId, setRangeId] = useState<(typeof RANGES)[number]["id"]>("all");
  // The range's start, fixed when it was chosen (not on every render).
  const [from, setFrom] = useState<string | null>(null);
  const view = useQuery(analyticsQuery({ from, to: null }));
  const saved = useMutation({ mutationFn: () => exportAnalytics({ from, to: null }) });
  const report = view.data?.report;
  const main = report?.byCurrency[0];
  const average = report?.averages.find((a) => a.currency === main?.currency);
  const funnel = (report?.funnel ?? []).map((step) => ({
    name: step.stage ? (STAGE_LABELS[step.stage] ?? step.stage) : "Purchased",
    leads: step.leads,
    rate: step.rate === null ? null : formatPercent(step.rate),
  }));
  return (
    <div className="flex flex-col gap-6">
      <div className="flex items-end justify-between gap-4 border-b border-slate-200">
      <div role="tablist" aria-label="Period" className="flex gap-1">
        {RANGES.map((range) => (
          <Tab
            key={range.id}
            selected={rangeId === range.id}
            testId={`range-${range.id}`}
            onSelect={() => {
              setRangeId(range.id);
              setFrom(range.days === null ? null : new Date(Date.now() - range.days * 86_400_000).toISOString());
            }}
          >
            {range.label}
          </Tab>
        ))}
      </div>
        <div className="flex items-center gap-2 pb-1.5 text-sm">
          {saved.data && <output className="text-slate-600" title={saved.data.path}>Saved</output>}
          {saved.isError && <span className="text-red-700">{errorMessage(saved.error)}</span>}
          <Button variant="secondary" className="py-1" data-testid="export-analytics" disabled={!report || saved.isPending}
            onClick={() => saved.mutate()}>
            <Download aria-hidden size={14} /> Export CSV
          </Button>
        </div>
      </div>
      {view.data?.connection === "offline" && (
        <output className="flex items-center gap-2 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          <WifiOff aria-hidden size={16} /> Offline: computed from the leads saved on this computer.
        </output>
      )}
      {view.isPending && <Loading label="Computing your performance…" />}
      {view.isError && <ErrorAlert message={errorMessage(view.error)} />}
      {report && (
        <>
          <section aria-label="Return on investment" className="grid grid-cols-2 gap-4 lg:grid-cols-5">
            <Metric testId="metric-spent" label="Total spent" value={formatWorth(report.spent) ?? `${report.spent.credits} credits`} />
            <Metric
              testId="metric-revenue"
              label="Revenue (closed deals)"
              value={main ? formatMoneyWhole(main.revenue, main.currency) : "—"}
            />
            <Metric testId="metric-roi" label="ROI" value={main?.roi ? formatPercent(main.roi) : "—"} />
            <Metric
              testId="metric-lead-cost"
              label="Average lead cost"
              value={report.averageCost ? (formatWorth(report.averageCost) ?? `${report.averageCost.credits} credits`) : "—"}
            />
            <Metric
              testId="metric-deal-value"
              label="Average deal value"
              value={average?.dealValue && main ? formatMoneyWhole(average.dealValue, main.currency) : "—"}
            />
          </section>
          {report.byCurrency.length > 1 && (
            <p className="text-xs text-slate-500">
              Revenue and ROI above are for leads in {main?.currency}; the tables below show every currency
              apart.
            </p>
          )}
          <Panel title="Conversion funnel" testId="funnel">
            <FunnelChart steps={funnel} />
          </Panel>
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
            <SpanPanel testId="time-to-close" title="Time to close" span={report.timeToClose} empty="No deal closed in this period yet." />
            <SpanPanel
              testId="response-time"
              title="Response time (purchase → first contact)"
              span={report.responseTime}
              empty="No lead contacted in this period yet."
            />
          </div>
          <SpeedToLeadPanel rows={report.speedToLead} toPurchase={report.alertToPurchase} toContact={report.alertToContact} />
          <SegmentTable
            testId="by-exclusivity"
            title="Exclusive vs shared"
            rows={report.byExclusivity}
            label={(s) => EXCLUSIVITY_LABELS[s] ?? s}
          />
          <SegmentTable testId="by-category" title="By category" rows={report.byCategory} label={categoryLabel} />
          <SegmentTable testId="by-area" title="By area" rows={report.byArea} label={(s) => s} />
        </>
      )}
    </div>
  );
}
