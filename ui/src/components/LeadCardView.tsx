import { Flame, MapPin, Clock, Lock } from "lucide-react";
import type { LeadCard } from "../lib/backend";
import { categoryLabel, formatBudget, formatCredits, timeAgo, urgencyLabel } from "../lib/format";

/** Seed 000's lead card: score, what they want, where, budget, timeline, type and price. */
export function LeadCardView({ lead, offline }: { lead: LeadCard; offline: boolean }) {
  const hot = lead.score >= 90;
  const exclusive = lead.exclusivity === "exclusive";
  return (
    <article
      data-testid="lead-card"
      data-lead-id={lead.id}
      aria-label={`${lead.title} in ${lead.area}, ${lead.city}`}
      className="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
    >
      <header className="flex items-center justify-between">
        <span
          className={`inline-flex items-center gap-1 rounded-full px-2.5 py-0.5 text-xs font-semibold ${
            hot ? "bg-orange-100 text-orange-800" : "bg-slate-100 text-slate-700"
          }`}
        >
          {hot && <Flame aria-hidden size={14} />}
          {hot ? "Hot lead · " : ""}
          <span data-testid="lead-score">Score {lead.score}/100</span>
        </span>
        <span className="text-xs text-slate-500">{timeAgo(lead.listedAt)}</span>
      </header>
      <div>
        <p className="text-xs font-medium text-slate-500" data-testid="lead-category">
          {categoryLabel(lead.category)}
        </p>
        <h3 className="text-base font-semibold" data-testid="lead-title">
          {lead.title}
        </h3>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-500">
          <MapPin aria-label="Location" size={16} />
        </dt>
        <dd data-testid="lead-area">
          {lead.area}, {lead.city}
        </dd>
        <dt className="text-slate-500">Budget</dt>
        <dd data-testid="lead-budget">{formatBudget(lead.budgetMin, lead.budgetMax, lead.currency)}</dd>
        <dt className="text-slate-500">
          <Clock aria-label="Timeline" size={16} />
        </dt>
        <dd>{urgencyLabel(lead.urgency)}</dd>
        <dt className="text-slate-500">Type</dt>
        <dd>
          {exclusive
            ? "Exclusive (only you)"
            : `Shared · ${lead.purchases} of ${lead.maxBuyers} claimed`}
        </dd>
      </dl>
      <footer className="mt-auto flex items-center justify-between border-t border-slate-100 pt-3">
        <span className="text-sm">
          <span className="text-slate-500">Price </span>
          <span className="whitespace-nowrap font-semibold" data-testid="lead-price">
            {formatCredits(lead.priceCredits)}
          </span>
        </span>
        <span className="inline-flex items-center gap-1 text-xs text-slate-500">
          <Lock aria-hidden size={12} />
          {offline ? "Buying needs a connection" : "Contact hidden until bought"}
        </span>
      </footer>
    </article>
  );
}
