import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import {
  CheckCircle2,
  IndianRupee,
  PhoneCall,
  ShoppingBag,
  Sparkles,
  TrendingUp,
  Trophy,
  Undo2,
} from "lucide-react";
import {
  currentUserQuery,
  dashboardQuery,
  errorMessage,
  type ActivityItem,
  type DashboardStats,
} from "../lib/backend";
import {
  STAGE_LABELS,
  formatCreditsShort,
  formatMoneyCompact,
  formatPercent,
  formatWorth,
  timeAgo,
} from "../lib/format";
import { useNavigate } from "../app/navigation";
import { LeadFeed } from "../components/LeadFeed";
import { useLeadPurchase } from "../components/LeadPurchase";
import { SignInScreen } from "../components/SignInScreen";
import { ErrorAlert, Panel } from "../components/ui";

export function StatCard(props: { label: string; value: ReactNode; hint: ReactNode; icon: ReactNode; testId: string }) {
  return (
    <div
      data-testid={props.testId}
      className="flex flex-col gap-1 rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="flex items-center justify-between text-xs font-medium text-slate-500">
        {props.label}
        <span className="text-brand-700">{props.icon}</span>
      </div>
      <p className="text-2xl font-semibold tracking-tight" data-testid={`${props.testId}-value`}>
        {props.value}
      </p>
      <p className="text-xs text-slate-500">{props.hint}</p>
    </div>
  );
}

const pct = (fraction: string | null) => (fraction === null ? "—" : formatPercent(fraction));

/** ROI is only in the credit's currency; deals won in other currencies are named, never added. */
function roiHint(stats: DashboardStats): string {
  const elsewhere = stats.byCurrency.filter(
    (row) => row.won > 0 && row.currency !== stats.spentTotal.currency,
  );
  if (elsewhere.length === 0) return "revenue vs. lead cost";
  const won = elsewhere.map((row) => formatMoneyCompact(row.revenue, row.currency)).join(", ");
  return `revenue vs. lead cost · ${won} won in other currencies`;
}

/** Seed 000's six top cards. Every number comes computed from Rust; this only formats. */
function StatCards({ stats }: { stats: DashboardStats }) {
  const spent = formatWorth(stats.spentThisMonth) ?? formatCreditsShort(stats.spentThisMonth.credits);
  return (
    <div className="grid grid-cols-3 gap-4 xl:grid-cols-6" data-testid="stat-cards">
      <StatCard
        testId="stat-new-leads"
        label="New leads available"
        value={`${stats.newLeadsToday}${stats.newLeadsTodayMore ? "+" : ""}`}
        hint="listed today"
        icon={<Sparkles aria-hidden size={16} />}
      />
      <StatCard
        testId="stat-purchased"
        label="Leads purchased"
        value={stats.purchasedThisWeek}
        hint={`this week · ${stats.purchasedThisMonth.toLocaleString()} this month`}
        icon={<ShoppingBag aria-hidden size={16} />}
      />
      <StatCard
        testId="stat-contact-rate"
        label="Contact rate"
        value={pct(stats.contactRate)}
        hint="of bought leads contacted"
        icon={<PhoneCall aria-hidden size={16} />}
      />
      <StatCard
        testId="stat-conversion"
        label="Conversion rate"
        value={pct(stats.conversionRate)}
        hint="of bought leads won"
        icon={<Trophy aria-hidden size={16} />}
      />
      <StatCard
        testId="stat-spent"
        label="Total spent"
        value={spent}
        hint={`this month · ${formatCreditsShort(stats.spentThisMonth.credits)}`}
        icon={<IndianRupee aria-hidden size={16} />}
      />
      <StatCard
        testId="stat-roi"
        label="ROI"
        value={pct(stats.roi)}
        hint={roiHint(stats)}
        icon={<TrendingUp aria-hidden size={16} />}
      />
    </div>
  );
}

function activityText(item: ActivityItem): string {
  switch (item.kind) {
    case "new_lead":
      return `New lead available: ${item.title}${item.credits ? ` — ${formatCreditsShort(item.credits)}` : ""}`;
    case "purchased":
      return `You purchased ${item.title}`;
    case "stage_changed":
      return `${item.title} moved to ${item.stage ? STAGE_LABELS[item.stage] : "a new stage"}`;
    case "refund_requested":
      return `Refund requested for ${item.title}`;
    case "refund_approved":
      return `Refund approved for ${item.title}`;
    case "refund_denied":
      return `Refund denied for ${item.title}`;
  }
}

const ACTIVITY_ICONS = {
  new_lead: Sparkles,
  purchased: ShoppingBag,
  stage_changed: CheckCircle2,
  refund_requested: Undo2,
  refund_approved: Undo2,
  refund_denied: Undo2,
} as const;

function RecentActivity({ items }: { items: ActivityItem[] }) {
  const navigate = useNavigate();
  return (
    <Panel title="Recent activity" testId="recent-activity">
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">Your purchases, status changes and refunds show up here.</p>
      ) : (
        <ul className="flex flex-col gap-3">
          {items.map((item) => {
            const Icon = ACTIVITY_ICONS[item.kind];
            const mine = item.kind !== "new_lead";
            return (
              <li key={`${item.kind}-${item.leadId}-${item.at}`}>
                <button
                  type="button"
                  onClick={() => navigate(mine ? "my-leads" : "available", mine ? item.leadId : undefined)}
                  className="flex w-full items-start gap-2 rounded-md text-left text-sm hover:bg-slate-50"
                >
                  <Icon aria-hidden size={15} className="mt-0.5 shrink-0 text-brand-700" />
                  <span className="flex-1">
                    <span className="text-slate-800">{activityText(item)}</span>
                    <span className="block text-xs text-slate-500">{timeAgo(item.at)}</span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}

/** Seed 000's home: stat cards on top, the lead feed in the centre, recent activity on the right. */
export function DashboardPage() {
  const user = useQuery(currentUserQuery());
  const signedIn = !!user.data;
  const stats = useQuery({ ...dashboardQuery(), enabled: signedIn });
  const navigate = useNavigate();
  const purchase = useLeadPurchase();
  return (
    <div className="flex flex-col gap-6">
      {!signedIn && !user.isPending && <SignInScreen reason="dashboard" compact />}
      {stats.data && <StatCards stats={stats.data.stats} />}
      {stats.isError && <ErrorAlert message={errorMessage(stats.error)} />}
      <div className={signedIn ? "grid grid-cols-[1fr_320px] gap-6" : ""}>
        <div className="flex flex-col gap-4">
          <div className="flex items-center justify-between">
            <h2 className="text-base font-semibold">New leads for you</h2>
            <button
              type="button"
              onClick={() => navigate("available")}
              className="text-sm font-medium text-brand-700 hover:underline"
            >
              Browse all available leads →
            </button>
          </div>
          <LeadFeed limit={6} onPreview={purchase.onPreview} onBuy={signedIn ? purchase.onBuy : undefined} />
        </div>
        {signedIn && <RecentActivity items={stats.data?.stats.activity ?? []} />}
      </div>
      {purchase.dialog}
    </div>
  );
}
