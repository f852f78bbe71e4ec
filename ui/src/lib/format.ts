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

function scaled(amount: string): { digits: bigint; scale: number } {
  const negative = amount.trim().startsWith("-");
  const [whole = "0", fraction = ""] = amount.trim().replace(/^[-+]/, "").split(".");
  const digits = BigInt(`${whole || "0"}${fraction}`);
  return { digits: negative ? -digits : digits, scale: fraction.length };
}

/** Exact product of two decimal strings (credits × value per credit), as a decimal string. */
export function multiplyDecimal(a: string, b: string): string {
  const x = scaled(a);
  const y = scaled(b);
  const product = x.digits * y.digits;
  const scale = x.scale + y.scale;
  const negative = product < 0n;
  const text = (negative ? -product : product).toString().padStart(scale + 1, "0");
  const whole = text.slice(0, text.length - scale);
  const fraction = scale > 0 ? `.${text.slice(text.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** Exact difference of two decimal strings (balance after a purchase), as a decimal string. */
export function subtractDecimal(a: string, b: string): string {
  const x = scaled(a);
  const y = scaled(b);
  const scale = Math.max(x.scale, y.scale);
  const diff =
    x.digits * 10n ** BigInt(scale - x.scale) - y.digits * 10n ** BigInt(scale - y.scale);
  return multiplyDecimal(`${diff}`, `${scale > 0 ? `0.${"0".repeat(scale - 1)}1` : "1"}`);
}

/** Whether a decimal string is below zero. */
export function isNegative(amount: string): boolean {
  return scaled(amount).digits < 0n;
}

/** What credits are worth, `₹450`, or `null` when the credit value is unknown. */
export function creditsValue(
  credits: string,
  value: { perCredit: string; currency: string } | null | undefined,
): string | null {
  if (!value) return null;
  return formatMoneyWhole(multiplyDecimal(credits, value.perCredit), value.currency);
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
  const value = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(
    numeric(credits),
  );
  return `${value} ${Number(credits) === 1 ? "credit" : "credits"}`;
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
