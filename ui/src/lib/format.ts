// Display formatting for money, credits, counts and time. Amounts arrive as exact decimal strings
// computed in Rust and are only ever formatted here, never computed with.
import type { ContactChannel, ContactOutcome, CreditAmount } from "./backend";

/** The locale whose grouping fits a currency (₹ gets lakh/crore grouping), else the user's own. */
function localeFor(currency: string): string {
  if (currency === "INR") return "en-IN";
  if (currency === "ZAR") return "en-ZA";
  return navigator.language || "en-US";
}

function numeric(amount: string): Intl.StringNumericLiteral {
  return amount as Intl.StringNumericLiteral;
}

/** `₹90L`, `₹1.1Cr`, `R 5K`: short money for cards and tables. */
export function formatMoneyCompact(amount: string, currency: string): string {
  return new Intl.NumberFormat(localeFor(currency), {
    style: "currency",
    currency,
    notation: "compact",
    minimumFractionDigits: 0,
    maximumFractionDigits: 1,
  }).format(numeric(amount));
}

/** `₹90,00,000.00`: full money for ledgers and receipts. */
export function formatMoney(amount: string, currency: string): string {
  return new Intl.NumberFormat(localeFor(currency), { style: "currency", currency }).format(
    numeric(amount),
  );
}

/** `₹90L – ₹1.1Cr` */
export function formatBudget(min: string, max: string, currency: string): string {
  return `${formatMoneyCompact(min, currency)} – ${formatMoneyCompact(max, currency)}`;
}

/** `4.50 credits` */
export function formatCredits(credits: string): string {
  const format = new Intl.NumberFormat(undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return creditsWord(format, credits);
}

/**
 * `1 credit`, `4.5 credits`: the unit agrees with the number as it is shown (`1.00` reads as
 * one), found by comparing the formatted text with the formatted `1` rather than by parsing.
 */
function creditsWord(format: Intl.NumberFormat, credits: string): string {
  const shown = format.format(numeric(credits));
  return `${shown} ${shown === format.format(1) ? "credit" : "credits"}`;
}

const pluralRules = new Intl.PluralRules("en");

/** `1 agent viewed`, `3 agents viewed`: a count with the word that agrees with it. */
export function plural(count: number, one: string, other: string): string {
  return `${count.toLocaleString()} ${pluralRules.select(count) === "one" ? one : other}`;
}

/** `42%`, `1,180%`: a fraction from Rust (`0.42`, `11.8`) as a percentage. */
export function formatPercent(fraction: string): string {
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 }).format(
    numeric(fraction),
  );
}

/** Whether a signed decimal string from Rust is a debit (it starts with `-`). */
export function isDebit(amount: string): boolean {
  return amount.trim().startsWith("-");
}

/** What credits are worth, `₹450`, as Rust computed it; `null` when the credit value is unknown. */
export function formatWorth(amount: CreditAmount | undefined): string | null {
  if (!amount || amount.value === null || amount.currency === null) return null;
  return formatMoneyWhole(amount.value, amount.currency);
}

const URGENCY_LABELS: Record<string, string> = {
  immediate: "Immediate",
  this_week: "This week",
  within_month: "Within a month",
  within_3_months: "Within 3 months",
  flexible: "Flexible",
};

export function urgencyLabel(urgency: string): string {
  return URGENCY_LABELS[urgency] ?? urgency;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago` */
export function timeAgo(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
  if (seconds < 45) return "just now";
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
  return rtf.format(-Math.round(seconds / 86400), "day");
}

const CATEGORY_WORDS: Record<string, string> = {
  "real-estate": "Real estate",
  "home-services": "Home services",
  insurance: "Insurance",
};

/** Categories offered in pickers (any slug like `group/sub` is accepted and checked in Rust). */
export const KNOWN_CATEGORIES = [
  "real-estate",
  "real-estate/buy",
  "real-estate/rent",
  "home-services",
  "insurance/auto",
];

/** `real-estate/buy` → `Real estate · Buy`, `home-services/plumbing` → `Home services · Plumbing` */
export function categoryLabel(slug: string): string {
  return slug
    .split("/")
    .map((part) => {
      const known = CATEGORY_WORDS[part];
      if (known) return known;
      const words = part.replace(/[-_]/g, " ");
      return words.charAt(0).toUpperCase() + words.slice(1);
    })
    .join(" · ");
}

/** `₹4,500` (no paise when whole), for prices and balances. */
export function formatMoneyWhole(amount: string, currency: string): string {
  return new Intl.NumberFormat(localeFor(currency), {
    style: "currency",
    currency,
    minimumFractionDigits: 0,
    maximumFractionDigits: 2,
  }).format(numeric(amount));
}

/** `4.5 credits` without padding zeros, for compact places. */
export function formatCreditsShort(credits: string): string {
  return creditsWord(new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }), credits);
}

export const STAGE_LABELS: Record<string, string> = {
  new: "New",
  contacted: "Contacted",
  meeting: "Meeting",
  quoted: "Quoted",
  won: "Won",
  lost: "Lost",
};

export const STAGE_STYLES: Record<string, string> = {
  new: "bg-sky-100 text-sky-800",
  contacted: "bg-violet-100 text-violet-800",
  meeting: "bg-amber-100 text-amber-800",
  quoted: "bg-amber-100 text-amber-800",
  won: "bg-emerald-100 text-emerald-800",
  lost: "bg-slate-200 text-slate-700",
};

/** How a lead was reached, as the contact log says it. */
export const CHANNEL_LABELS: Record<ContactChannel, string> = {
  call: "Call",
  email: "Email",
  whats_app: "WhatsApp",
  sms: "SMS",
};

/** What came of a contact attempt, in the words of its channel (a message gets no reply). */
export function outcomeLabel(outcome: ContactOutcome, channel?: ContactChannel): string {
  const spoken = channel === undefined || channel === "call";
  switch (outcome) {
    case "reached":
      return spoken ? "Reached" : "They replied";
    case "no_answer":
      return spoken ? "No answer" : "No reply";
    case "wrong_number":
      return "Wrong number";
    case "bounced":
      return "Bounced";
  }
}

/** The outcomes that fit a channel: emails bounce, numbers are wrong. */
export function outcomesFor(channel: ContactChannel): ContactOutcome[] {
  return channel === "email" ? ["reached", "no_answer", "bounced"] : ["reached", "no_answer", "wrong_number"];
}

export const REFUND_REASON_LABELS: Record<string, string> = {
  wrong_number: "Wrong or dead number",
  fake: "Fake or spam enquiry",
  duplicate: "Duplicate of a lead I already have",
  not_interested_in_service: "Customer not looking for this service",
  outside_area: "Outside my service area",
  other: "Other (explain below)",
};

/** `8 Nov, 14:05` */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The customer's name, or what stands in once an approved refund removed the contact. */
export function customerName(contact: { name: string } | null): string {
  return contact?.name ?? "Refunded lead";
}
