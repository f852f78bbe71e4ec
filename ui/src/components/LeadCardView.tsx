import { Flame, MapPin, Clock, Lock, Eye } from "lucide-react";
import { useCreditAmount, type LeadCard } from "../lib/backend";
import {
  categoryLabel,
  formatBudget,
  formatCreditsShort,
  formatWorth,
  plural,
  timeAgo,
  urgencyLabel,
} from "../lib/format";
import { Button } from "./ui";

/** The price of a lead in credits and, where the credit value is known, in money (`₹450`). */
export function LeadPrice({ credits }: { credits: string }) {
  const money = formatWorth(useCreditAmount(credits));
  return (
    <span className="whitespace-nowrap" data-testid="lead-price">
      <span className="font-semibold">{money ?? formatCreditsShort(credits)}</span>
      {money && <span className="text-slate-500"> · {formatCreditsShort(credits)}</span>}
    </span>
  );
}

/** Seed 000's lead card: score, what they want, where, budget, timeline, type and price. */
export function LeadCardView({
  lead,
  offline,
  onPreview,
  onBuy,
}: {
  lead: LeadCard;
  offline: boolean;
  onPreview?: (lead: LeadCard) => void;
  onBuy?: (lead: LeadCard) => void;
}) {
  const hot = lead.score >= 90;
  const exclusive = lead.exclusivity === "exclusive";
  return (
    <article
      data-testid="lead-card"
      data-lead-id={lead.id}
      aria-label={`${lead.title} in ${lead.area}, ${lead.city}`}
      className="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-600/40 hover:shadow-md"
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
          Looking for: {lead.title}
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
          {exclusive ? (
            <span className="font-semibold text-brand-800">Exclusive (only you)</span>
          ) : (
            `Shared · ${lead.purchases} of ${lead.maxBuyers} claimed`
          )}
        </dd>
      </dl>
      <div className="flex items-center gap-4 text-xs text-slate-500">
        <span className="inline-flex items-center gap-1 whitespace-nowrap">
          <Eye aria-hidden size={13} /> {plural(lead.views, "view", "views")}
        </span>
        <span className="ml-auto inline-flex items-center gap-1">
          <Lock aria-hidden size={12} />
          {offline ? "Buying needs a connection" : "Contact hidden until bought"}
        </span>
      </div>
      <footer className="mt-auto flex flex-wrap items-center justify-between gap-2 border-t border-slate-100 pt-3">
        <span className="text-sm">
          <span className="text-slate-500">Price </span>
          <LeadPrice credits={lead.priceCredits} />
        </span>
        {(onPreview || onBuy) && (
          <span className="flex gap-2">
            {onPreview && (
              <Button variant="secondary" data-testid="preview-lead" onClick={() => onPreview(lead)}>
                Preview
              </Button>
            )}
            {onBuy && (
              <Button data-testid="buy-lead" disabled={offline} onClick={() => onBuy(lead)}>
                Buy lead
              </Button>
            )}
          </span>
        )}
      </footer>
    </article>
  );
}
