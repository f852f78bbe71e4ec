import { useState, type ReactNode } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { RotateCcw } from "lucide-react";
import {
  browseQuery,
  currentUserQuery,
  errorMessage,
  type BrowseFilters,
  type SortOrder,
} from "../lib/backend";
import { LeadCardView } from "../components/LeadCardView";
import { OfflineNotice } from "../components/LeadFeed";
import { useLeadPurchase } from "../components/LeadPurchase";
import { Button, ErrorAlert, Loading, inputClass } from "../components/ui";

const CATEGORIES: Array<[string, string]> = [
  ["", "All categories"],
  ["real-estate", "Real estate"],
  ["real-estate/buy", "Real estate · Buy"],
  ["real-estate/rent", "Real estate · Rent"],
  ["home-services", "Home services"],
  ["insurance", "Insurance"],
];
const PROPERTY_TYPES = ["1BHK", "2BHK", "3BHK", "4BHK"];
const TIMELINES: Array<[string, string]> = [
  ["", "Any timeline"],
  ["immediate", "Immediate"],
  ["this_week", "This week"],
  ["within_month", "Within 1 month"],
  ["within_3_months", "Within 3 months"],
  ["flexible", "Flexible"],
];
const FRESHNESS: Array<[string, string]> = [
  ["", "Any age"],
  ["24", "Last 24 hours"],
  ["72", "Last 3 days"],
  ["168", "Last week"],
];

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
      {label}
      {children}
    </label>
  );
}

function decimalOrNull(text: string): string | null {
  const trimmed = text.trim().replace(/,/g, "");
  return /^\d+(\.\d+)?$/.test(trimmed) ? trimmed : null;
}

/** Seed 000's filter bar: location, budget, category and property type, timeline, quality, type. */
function FilterBar({
  filters,
  onChange,
  signedIn,
}: {
  filters: BrowseFilters;
  onChange: (filters: BrowseFilters) => void;
  signedIn: boolean;
}) {
  const [text, setText] = useState({
    city: filters.city ?? "",
    area: filters.area ?? "",
    budgetMin: filters.budgetMin ?? "",
    budgetMax: filters.budgetMax ?? "",
  });
  const applyText = () => {
    const next = {
      ...filters,
      city: text.city.trim() || null,
      area: text.area.trim() || null,
      budgetMin: decimalOrNull(text.budgetMin),
      budgetMax: decimalOrNull(text.budgetMax),
    };
    // Leaving a field unchanged must not re-run the search (it would re-render the cards under
    // the pointer and swallow the click that moved focus away).
    const same = (["city", "area", "budgetMin", "budgetMax"] as const).every(
      (key) => (filters[key] ?? null) === next[key],
    );
    if (!same) onChange(next);
  };
  const set = (patch: Partial<BrowseFilters>) => onChange({ ...filters, ...patch });
  const types = filters.propertyTypes ?? [];
  return (
    <form
      aria-label="Filter leads"
      data-testid="filter-bar"
      onSubmit={(event) => {
        event.preventDefault();
        applyText();
      }}
      className="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="grid grid-cols-[repeat(auto-fill,minmax(150px,1fr))] gap-3">
        <Field label="City">
          <input
            data-testid="filter-city"
            className={inputClass}
            placeholder="e.g. Mumbai"
            value={text.city}
            onChange={(e) => setText({ ...text, city: e.target.value })}
            onBlur={applyText}
          />
        </Field>
        <Field label="Area">
          <input
            data-testid="filter-area"
            className={inputClass}
            placeholder="e.g. Andheri West"
            value={text.area}
            onChange={(e) => setText({ ...text, area: e.target.value })}
            onBlur={applyText}
          />
        </Field>
        <Field label="Budget from">
          <input
            data-testid="filter-budget-min"
            inputMode="numeric"
            className={inputClass}
            placeholder="6000000 (₹60L)"
            value={text.budgetMin}
            onChange={(e) => setText({ ...text, budgetMin: e.target.value })}
            onBlur={applyText}
          />
        </Field>
        <Field label="Budget to">
          <input
            data-testid="filter-budget-max"
            inputMode="numeric"
            className={inputClass}
            placeholder="10000000 (₹1Cr)"
            value={text.budgetMax}
            onChange={(e) => setText({ ...text, budgetMax: e.target.value })}
            onBlur={applyText}
          />
        </Field>
        <Field label="Category">
          <select
            data-testid="filter-category"
            className={inputClass}
            value={filters.category ?? ""}
            onChange={(e) => set({ category: e.target.value || null })}
          >
            {CATEGORIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Timeline">
          <select
            data-testid="filter-timeline"
            className={inputClass}
            value={filters.urgencies?.[0] ?? ""}
            onChange={(e) => set({ urgencies: e.target.value ? [e.target.value] : [] })}
          >
            {TIMELINES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Lead quality">
          <select
            data-testid="filter-min-score"
            className={inputClass}
            value={filters.minScore ?? ""}
            onChange={(e) => set({ minScore: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">Any score</option>
            <option value="80">Score 80+</option>
            <option value="90">Score 90+</option>
          </select>
        </Field>
        <Field label="Lead type">
          <select
            data-testid="filter-exclusivity"
            className={inputClass}
            value={filters.exclusivity ?? ""}
            onChange={(e) => set({ exclusivity: e.target.value || null })}
          >
            <option value="">Exclusive or shared</option>
            <option value="exclusive">Exclusive</option>
            <option value="shared">Shared</option>
          </select>
        </Field>
        <Field label="Freshness">
          <select
            data-testid="filter-freshness"
            className={inputClass}
            value={filters.maxAgeHours ?? ""}
            onChange={(e) => set({ maxAgeHours: e.target.value ? Number(e.target.value) : null })}
          >
            {FRESHNESS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Sort by">
          <select
            data-testid="filter-sort"
            className={inputClass}
            value={filters.sort ?? "newest"}
            onChange={(e) => set({ sort: e.target.value as SortOrder })}
          >
            <option value="newest">Newest</option>
            <option value="highest_score">Highest score</option>
            <option value="lowest_price">Lowest price</option>
          </select>
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-x-5 gap-y-2 text-sm">
        <fieldset className="flex items-center gap-1.5">
          <legend className="sr-only">Property type</legend>
          <span className="mr-1 text-xs font-medium text-slate-600">Property</span>
          {PROPERTY_TYPES.map((type) => {
            const on = types.includes(type);
            return (
              <button
                key={type}
                type="button"
                aria-pressed={on}
                data-testid={`filter-type-${type}`}
                onClick={() =>
                  set({ propertyTypes: on ? types.filter((t) => t !== type) : [...types, type] })
                }
                className={`rounded-full border px-2.5 py-0.5 text-xs font-medium ${
                  on
                    ? "border-brand-700 bg-brand-700 text-white"
                    : "border-slate-300 text-slate-700 hover:bg-slate-50"
                }`}
              >
                {type}
              </button>
            );
          })}
        </fieldset>
        {(
          [
            ["hasPhone", "Has phone", "filter-has-phone"],
            ["verifiedEmail", "Verified email", "filter-verified-email"],
            ...(signedIn ? [["matching", "Matches my preferences", "filter-matching"]] : []),
          ] as Array<["hasPhone" | "verifiedEmail" | "matching", string, string]>
        ).map(([key, label, testId]) => (
          <label key={key} className="inline-flex items-center gap-1.5 text-slate-700">
            <input
              type="checkbox"
              data-testid={testId}
              checked={!!filters[key]}
              onChange={(e) => set({ [key]: e.target.checked })}
              className="h-4 w-4 accent-brand-700"
            />
            {label}
          </label>
        ))}
        <Button
          variant="ghost"
          className="ml-auto"
          data-testid="filter-reset"
          onClick={() => {
            setText({ city: "", area: "", budgetMin: "", budgetMax: "" });
            onChange({ sort: filters.sort });
          }}
        >
          <RotateCcw aria-hidden size={14} /> Reset filters
        </Button>
      </div>
    </form>
  );
}

export function AvailableLeadsPage() {
  const [filters, setFilters] = useState<BrowseFilters>({ sort: "newest" });
  const user = useQuery(currentUserQuery());
  const leads = useInfiniteQuery(browseQuery(filters));
  const purchase = useLeadPurchase();
  const pages = leads.data?.pages ?? [];
  const first = pages[0];
  const offline = first?.connection === "offline";
  const all = pages.flatMap((page) => page.leads);
  return (
    <div className="flex flex-col gap-4">
      <FilterBar filters={filters} onChange={setFilters} signedIn={!!user.data} />
      {offline && (
        <OfflineNotice
          lastSyncedAt={first?.lastSyncedAt ?? null}
          filtersIgnored={first?.filtersIgnored}
        />
      )}
      {leads.isPending && <Loading label="Finding leads…" />}
      {leads.isError && (
        <ErrorAlert message={errorMessage(leads.error)}>
          <Button variant="danger" onClick={() => leads.refetch()}>
            Try again
          </Button>
        </ErrorAlert>
      )}
      {first && (
        <p className="text-sm text-slate-500" data-testid="result-count" aria-live="polite">
          {all.length === 0
            ? "No leads match these filters. Widen them or reset to see everything."
            : `${all.length}${leads.hasNextPage ? "+" : ""} ${all.length === 1 ? "lead" : "leads"}`}
        </p>
      )}
      <div className="grid grid-cols-[repeat(auto-fill,minmax(320px,1fr))] gap-4">
        {all.map((lead) => (
          <LeadCardView
            key={lead.id}
            lead={lead}
            offline={offline}
            onPreview={purchase.onPreview}
            onBuy={purchase.onBuy}
          />
        ))}
      </div>
      {leads.hasNextPage && (
        <Button
          variant="secondary"
          className="self-center"
          disabled={leads.isFetchingNextPage}
          onClick={() => leads.fetchNextPage()}
        >
          {leads.isFetchingNextPage ? "Loading…" : "Show more leads"}
        </Button>
      )}
      {purchase.dialog}
    </div>
  );
}
