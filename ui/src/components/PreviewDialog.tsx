import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Check, Lock, Mail, MapPin, Minus, Phone, ShieldCheck } from "lucide-react";
import {
  balanceQuery,
  creditValueQuery,
  currentUserQuery,
  errorCode,
  errorMessage,
  previewQuery,
  purchaseLead,
  purchaseQuoteQuery,
  type CreditAmount,
  type LeadPreview,
  type PurchasedLead,
  type ScoreSignal,
} from "../lib/backend";
import {
  categoryLabel,
  formatBudget,
  formatCreditsShort,
  formatWorth,
  plural,
  urgencyLabel,
} from "../lib/format";
import { useNavigate, type Navigate } from "../app/navigation";
import { Modal } from "./Modal";
import { LeadPrice } from "./LeadCardView";
import { SignInForm } from "./SignInForm";
import { Badge, Button, ErrorAlert, Loading } from "./ui";

const ATTRIBUTE_LABELS: Record<string, string> = {
  property_type: "Property",
  financing: "Financing",
  first_time_buyer: "First-time buyer",
  preferred_areas: "Preferred areas",
};

function attributeLabel(key: string): string {
  return ATTRIBUTE_LABELS[key] ?? key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** Seed 000's "Lead Quality Breakdown" (and the partner score's): each signal with its points
 * and the total. */
export function ScoreBreakdown({ signals, score }: { signals: ScoreSignal[]; score: number }) {
  return (
    <div data-testid="score-breakdown">
      <ul className="flex flex-col gap-1 text-sm">
        {signals.map((signal) => (
          <li key={signal.label} className="flex items-center gap-2">
            {signal.points > 0 ? (
              <Check aria-hidden size={15} className="text-emerald-600" />
            ) : (
              <Minus aria-hidden size={15} className="text-slate-400" />
            )}
            <span className="flex-1">{signal.label}</span>
            <span className="font-medium tabular-nums text-slate-700">
              {signal.points > 0 ? `+${signal.points}` : signal.points}
            </span>
          </li>
        ))}
      </ul>
      <p className="mt-2 flex justify-between border-t border-slate-100 pt-2 text-sm font-semibold">
        <span>Total</span>
        <span>{score}/100</span>
      </p>
    </div>
  );
}

/** Requirements of a lead: what, where, budget, timeline and its category attributes. */
export function Requirements({ lead }: { lead: LeadPreview }) {
  const card = lead.card;
  return (
    <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5 text-sm">
      <dt className="text-slate-500">Looking for</dt>
      <dd className="font-medium">{card.title}</dd>
      <dt className="text-slate-500">Category</dt>
      <dd>{categoryLabel(card.category)}</dd>
      <dt className="text-slate-500">Location</dt>
      <dd>
        {card.area ? `${card.area}, ` : ""}
        {card.city}
        {lead.postalCode ? ` ${lead.postalCode}` : ""}
      </dd>
      <dt className="text-slate-500">Budget</dt>
      <dd>{formatBudget(card.budgetMin, card.budgetMax, card.currency)}</dd>
      <dt className="text-slate-500">Timeline</dt>
      <dd>{urgencyLabel(card.urgency)}</dd>
      {Object.entries(lead.attributes).map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="text-slate-500">{attributeLabel(key)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The preview modal (seed 000): partial information, score breakdown, price, views and claims,
 * then Buy with a confirmation that shows the price and the balance after. After buying it shows
 * the revealed contact.
 */
export function PreviewDialog(props: { leadId: string; confirm?: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const preview = useQuery(previewQuery(props.leadId));
  const user = useQuery(currentUserQuery());
  const signedIn = !!user.data;
  const balance = useQuery({ ...balanceQuery(), enabled: signedIn });
  const value = useQuery(creditValueQuery());
  const [confirming, setConfirming] = useState(props.confirm ?? false);
  const buy = useMutation({
    mutationFn: () => purchaseLead(props.leadId),
    onSuccess: (result) => {
      queryClient.setQueryData(balanceQuery().queryKey, result.balance);
      void queryClient.invalidateQueries({ queryKey: ["my-leads"] });
      void queryClient.invalidateQueries({ queryKey: ["marketplace"] });
      void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      void queryClient.invalidateQueries({ queryKey: ["credits"] });
    },
  });
  const lead = preview.data;
  const title = lead ? (
    <div>
      <p className="text-xs font-medium text-slate-500">
        {categoryLabel(lead.card.category)} · Lead #{lead.card.id}
      </p>
      <h2 className="text-lg font-semibold">
        {lead.card.title} · {lead.card.area || lead.card.city}
      </h2>
    </div>
  ) : (
    <h2 className="text-lg font-semibold">Lead preview</h2>
  );
  return (
    <Modal title={title} label="Lead preview" onClose={props.onClose} testId="preview-dialog">
      {preview.isPending && <Loading label="Loading the preview…" />}
      {preview.isError && <ErrorAlert message={errorMessage(preview.error)} />}
      {lead && buy.data && <Revealed bought={buy.data.purchase} onClose={props.onClose} />}
      {lead && !buy.data && (
        <div className="flex flex-col gap-5">
          <div className="flex flex-wrap items-center gap-2">
            <Badge className={lead.card.score >= 90 ? "bg-orange-100 text-orange-800" : "bg-slate-100 text-slate-700"}>
              Score {lead.card.score}/100
            </Badge>
            <Badge className="bg-brand-50 text-brand-800">
              {lead.card.exclusivity === "exclusive" ? "Exclusive · only you" : "Shared"}
            </Badge>
            <Badge className="bg-slate-100 text-slate-700" >
              <span data-testid="preview-claimed">
                {lead.card.purchases} of {lead.card.maxBuyers} claimed
              </span>
            </Badge>
            <Badge className="bg-slate-100 text-slate-700">
              <span data-testid="preview-views">{plural(lead.card.views, "agent viewed", "agents viewed")}</span>
            </Badge>
            <Badge className="bg-slate-100 text-slate-700">Freshness {lead.freshness}/100</Badge>
            {lead.phoneVerified && (
              <Badge className="bg-emerald-100 text-emerald-800">
                <ShieldCheck aria-hidden size={13} className="mr-1" /> Phone verified
              </Badge>
            )}
          </div>
          {lead.description && <p className="text-sm text-slate-700">{lead.description}</p>}
          <div className="grid grid-cols-2 gap-6">
            <div>
              <h3 className="mb-2 text-sm font-semibold">Requirements</h3>
              <Requirements lead={lead} />
            </div>
            <div>
              <h3 className="mb-2 text-sm font-semibold">Lead quality breakdown</h3>
              <ScoreBreakdown signals={lead.scoreBreakdown} score={lead.card.score} />
            </div>
          </div>
          <div
            data-testid="masked-contact"
            className="flex items-center gap-3 rounded-lg border border-dashed border-slate-300 bg-slate-50 p-3 text-sm text-slate-600"
          >
            <Lock aria-hidden size={18} />
            <div className="flex flex-col">
              <span className="font-medium text-slate-800">Contact details hidden</span>
              <span>
                <Phone aria-hidden size={12} className="inline" /> +•• ••••• ••••• ·{" "}
                <Mail aria-hidden size={12} className="inline" /> ••••@•••• — revealed the moment you
                buy.
              </span>
            </div>
          </div>
          {buy.isError && <PurchaseError error={buy.error} onNavigate={navigate} />}
          {!signedIn ? (
            <div className="rounded-lg border border-slate-200 p-4">
              <p className="mb-3 text-sm font-medium">Sign in to buy this lead</p>
              <SignInForm />
            </div>
          ) : confirming ? (
            <ConfirmPurchase
              price={lead.card.priceCredits}
              balance={balance.data?.credits}
              value={value.data}
              pending={buy.isPending}
              onConfirm={() => buy.mutate()}
              onCancel={() => setConfirming(false)}
            />
          ) : (
            <footer className="flex items-center justify-between border-t border-slate-100 pt-4">
              <span className="text-sm">
                <span className="text-slate-500">Price </span>
                <LeadPrice credits={lead.card.priceCredits} />
              </span>
              <Button data-testid="buy-now" onClick={() => setConfirming(true)}>
                Buy now
              </Button>
            </footer>
          )}
        </div>
      )}
    </Modal>
  );
}

/** `4.5 credits (₹450)`, or credits alone when the credit value is unknown. */
function creditsAndWorth(amount: CreditAmount): string {
  const worth = formatWorth(amount);
  return `${formatCreditsShort(amount.credits)}${worth ? ` (${worth})` : ""}`;
}

function ConfirmPurchase(props: {
  price: string;
  balance: string | undefined;
  value: { perCredit: string; currency: string } | null | undefined;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const quote = useQuery({
    ...purchaseQuoteQuery(props.balance ?? "0", props.price, props.value ?? null),
    enabled: props.balance !== undefined,
  });
  const q = quote.data;
  const short = q !== undefined && !q.enough;
  return (
    <form
      data-testid="confirm-purchase"
      className="flex flex-col gap-3 rounded-lg border border-brand-600/30 bg-brand-50 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        props.onConfirm();
      }}
    >
      <p className="text-sm font-semibold text-brand-800">Confirm your purchase</p>
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-600">Price</dt>
        <dd data-testid="confirm-price" className="font-medium">
          {q ? creditsAndWorth(q.price) : formatCreditsShort(props.price)}
        </dd>
        <dt className="text-slate-600">Balance now</dt>
        <dd>{q ? creditsAndWorth(q.balance) : "…"}</dd>
        <dt className="text-slate-600">Balance after</dt>
        <dd data-testid="confirm-balance-after" className={short ? "font-medium text-red-700" : "font-medium"}>
          {q ? creditsAndWorth(q.after) : "…"}
        </dd>
      </dl>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={props.onCancel}>
          Back
        </Button>
        <Button type="submit" data-testid="confirm-buy" disabled={props.pending}>
          {props.pending ? "Buying…" : `Buy for ${formatCreditsShort(props.price)}`}
        </Button>
      </div>
    </form>
  );
}

/** A refused purchase, with the way forward the code calls for. */
function PurchaseError({ error, onNavigate }: { error: unknown; onNavigate: Navigate }) {
  const code = errorCode(error);
  return (
    <ErrorAlert message={errorMessage(error)} testId="purchase-error">
      {code === "insufficient_credits" && (
        <Button data-testid="go-buy-credits" onClick={() => onNavigate("billing")}>
          Buy credits
        </Button>
      )}
      {(code === "per_lead_max_exceeded" ||
        code === "daily_limit_reached" ||
        code === "category_not_served" ||
        code === "outside_service_area") && (
        <Button variant="secondary" onClick={() => onNavigate("settings")}>
          Review my settings
        </Button>
      )}
      {code === "already_purchased" && (
        <Button variant="secondary" onClick={() => onNavigate("my-leads")}>
          Open My Leads
        </Button>
      )}
    </ErrorAlert>
  );
}

/** After buying: the revealed contact, straight away. */
function Revealed({ bought, onClose }: { bought: PurchasedLead; onClose: () => void }) {
  const navigate = useNavigate();
  const c = bought.contact;
  if (!c) return null;
  return (
    <div data-testid="revealed-contact" className="flex flex-col gap-4">
      <p className="flex items-center gap-2 rounded-lg bg-emerald-50 p-3 text-sm font-medium text-emerald-800">
        <Check aria-hidden size={18} /> Lead bought. Contact them while the lead is fresh.
      </p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-2 text-sm">
        <dt className="text-slate-500">Name</dt>
        <dd className="font-semibold" data-testid="revealed-name">
          {c.name}
        </dd>
        <dt><Phone aria-label="Phone" size={16} className="text-slate-500" /></dt>
        <dd data-testid="revealed-phone" className="whitespace-nowrap">{c.phoneDisplay ?? c.phone ?? "—"}</dd>
        <dt><Mail aria-label="Email" size={16} className="text-slate-500" /></dt>
        <dd data-testid="revealed-email" className="min-w-0 wrap-anywhere" title={c.email ?? undefined}>{c.email ?? "—"}</dd>
        <dt><MapPin aria-label="Address" size={16} className="text-slate-500" /></dt>
        <dd>{c.address ?? "—"}</dd>
      </dl>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onClose}>
          Keep browsing
        </Button>
        <Button
          data-testid="open-in-my-leads"
          onClick={() => {
            onClose();
            navigate("my-leads", bought.lead.card.id);
          }}
        >
          Work this lead
        </Button>
      </div>
    </div>
  );
}
