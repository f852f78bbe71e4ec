// Display formatting for money, credits and time. Amounts arrive as exact decimal strings and are
// only ever formatted here, never computed with.

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
  const value = new Intl.NumberFormat(undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(numeric(credits));
  return `${value} ${credits === "1" || credits === "1.00" ? "credit" : "credits"}`;
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
