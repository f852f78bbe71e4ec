import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { X } from "lucide-react";
import {
  useCreditAmount,
  currentUserQuery,
  errorMessage,
  preferencesQuery,
  updatePreferences,
  type AgentPreferences,
  type Exclusivity,
  type Urgency,
} from "../lib/backend";
import { KNOWN_CATEGORIES, categoryLabel, formatWorth } from "../lib/format";
import { Button, ErrorAlert, Loading, Panel, inputClass } from "../components/ui";
import { DesktopSettings } from "../components/DesktopSettings";

const PROPERTY_TYPES = ["1BHK", "2BHK", "3BHK", "4BHK", "Villa", "Plot"];
// Common IANA zones of the marketplace's agents; the server validates any IANA name.
const TIME_ZONES = [
  "Asia/Kolkata",
  "Asia/Dubai",
  "Asia/Singapore",
  "Africa/Johannesburg",
  "Europe/London",
  "Europe/Berlin",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "Australia/Sydney",
  "UTC",
];
const TIMELINES: Array<[Urgency, string]> = [
  ["immediate", "Immediate"],
  ["this_week", "This week"],
  ["within_month", "Within 1 month"],
  ["within_3_months", "Within 3 months"],
  ["flexible", "Flexible"],
];

function Chips(props: { options: Array<[string, string]>; selected: string[]; onChange: (next: string[]) => void; testId: string }) {
  return (
    <div className="flex flex-wrap gap-1.5" data-testid={props.testId}>
      {props.options.map(([value, label]) => {
        const on = props.selected.includes(value);
        return (
          <button
            key={value}
            type="button"
            aria-pressed={on}
            onClick={() => props.onChange(on ? props.selected.filter((v) => v !== value) : [...props.selected, value])}
            className={`rounded-full border px-3 py-1 text-xs font-medium ${on ? "border-brand-700 bg-brand-700 text-white" : "border-slate-300 text-slate-700 hover:bg-slate-50"}`}
          >
            {label}
          </button>
        );
      })}
    </div>
  );
}

function Row({ label, hint, children }: { label: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[14rem_1fr] items-start gap-4 border-b border-slate-100 py-3 last:border-0">
      <div>
        <p className="text-sm font-medium">{label}</p>
        {hint && <p className="text-xs text-slate-500">{hint}</p>}
      </div>
      <div className="min-w-0">{children}</div>
    </div>
  );
}

const orNull = (text: string) => (text.trim() === "" ? null : text.trim().replace(/,/g, ""));

function CreditsInput(props: { value: string | null; onChange: (v: string | null) => void; testId: string }) {
  const money = formatWorth(useCreditAmount(props.value));
  return (
    <span className="inline-flex items-center gap-2 text-sm">
      <input
        data-testid={props.testId}
        inputMode="decimal"
        className={`${inputClass} w-28`}
        value={props.value ?? ""}
        placeholder="No limit"
        onChange={(e) => props.onChange(orNull(e.target.value))}
      />
      credits {money && <span className="text-slate-500">({money})</span>}
    </span>
  );
}

function PreferencesForm({ initial }: { initial: AgentPreferences }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const [newArea, setNewArea] = useState("");
  const set = (patch: Partial<AgentPreferences>) => setDraft({ ...draft, ...patch });
  const save = useMutation({
    mutationFn: () => updatePreferences(draft),
    onSuccess: (saved) => {
      queryClient.setQueryData(preferencesQuery().queryKey, saved);
      void queryClient.invalidateQueries({ queryKey: ["marketplace"] });
    },
  });
  const propertyTypes = draft.categoryAttributes.property_type ?? [];
  return (
    <form
      data-testid="preferences-form"
      className="flex flex-col gap-6"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Panel title="Lead preferences">
        <Row label="Service areas" hint="Cities you serve">
          <div className="flex flex-wrap items-center gap-1.5">
            {draft.serviceAreas.map((area, i) => (
              <span key={`${area.country}-${area.city}-${area.area}`} className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1 text-xs font-medium">
                {[area.area, area.city ?? area.region].filter(Boolean).join(", ")}
                <button type="button" aria-label={`Remove ${area.city}`} onClick={() => set({ serviceAreas: draft.serviceAreas.filter((_, j) => j !== i) })}>
                  <X size={12} aria-hidden />
                </button>
              </span>
            ))}
            <input
              aria-label="Add a city"
              placeholder="Add a city in your region…"
              className={`${inputClass} w-52 py-1`}
              value={newArea}
              onChange={(e) => setNewArea(e.target.value)}
              onKeyDown={(e) => {
                const first = draft.serviceAreas[0];
                if (e.key === "Enter" && newArea.trim() && first) {
                  e.preventDefault();
                  set({ serviceAreas: [...draft.serviceAreas, { country: first.country, region: first.region, city: newArea.trim(), area: null }] });
                  setNewArea("");
                }
              }}
            />
          </div>
        </Row>
        <Row label="Categories">
          <Chips testId="pref-categories" options={KNOWN_CATEGORIES.map((c) => [c, categoryLabel(c)])} selected={draft.categories} onChange={(categories) => set({ categories })} />
        </Row>
        <Row label="Budget range" hint={`In ${draft.budgetCurrency ?? "the marketplace currency"}`}>
          <span className="inline-flex items-center gap-2 text-sm">
            <input aria-label="Budget from" className={`${inputClass} w-36`} value={draft.budgetMin ?? ""} onChange={(e) => set({ budgetMin: orNull(e.target.value) })} />
            to
            <input aria-label="Budget to" className={`${inputClass} w-36`} value={draft.budgetMax ?? ""} onChange={(e) => set({ budgetMax: orNull(e.target.value) })} />
          </span>
        </Row>
        <Row label="Property types">
          <Chips testId="pref-property-types" options={PROPERTY_TYPES.map((p) => [p, p])} selected={propertyTypes} onChange={(next) => set({ categoryAttributes: { ...draft.categoryAttributes, property_type: next } })} />
        </Row>
        <Row label="Timelines">
          <Chips testId="pref-timelines" options={TIMELINES} selected={draft.urgencies} onChange={(next) => set({ urgencies: next as Urgency[] })} />
        </Row>
        <Row label="Lead quality" hint="Minimum score">
          <select data-testid="pref-min-score" className={inputClass} value={draft.minScore ?? ""} onChange={(e) => set({ minScore: e.target.value ? Number(e.target.value) : null })}>
            <option value="">Any score</option>
            {[60, 70, 80, 90].map((s) => <option key={s} value={s}>{s}+</option>)}
          </select>
        </Row>
        <Row label="Lead type">
          <select className={inputClass} value={draft.exclusivity ?? ""} onChange={(e) => set({ exclusivity: (e.target.value || null) as Exclusivity | null })}>
            <option value="">Exclusive and shared</option>
            <option value="exclusive">Exclusive only</option>
            <option value="shared">Shared only</option>
          </select>
        </Row>
      </Panel>
      <Panel title="Budget controls">
        <Row label="Daily spending limit">
          <CreditsInput testId="pref-daily-limit" value={draft.dailyLimit} onChange={(dailyLimit) => set({ dailyLimit })} />
        </Row>
        <Row label="Time zone" hint="Your day for the daily limit starts at midnight here">
          <select data-testid="pref-time-zone" className={inputClass} value={draft.timeZone ?? ""} onChange={(e) => set({ timeZone: e.target.value || null })}>
            {draft.timeZone && !TIME_ZONES.includes(draft.timeZone) && <option value={draft.timeZone}>{draft.timeZone}</option>}
            {TIME_ZONES.map((zone) => <option key={zone} value={zone}>{zone.replace(/_/g, " ")}</option>)}
          </select>
        </Row>
        <Row label="Per-lead maximum price">
          <CreditsInput testId="pref-per-lead-max" value={draft.perLeadMax} onChange={(perLeadMax) => set({ perLeadMax })} />
        </Row>
        <Row label="Ask me to confirm above" hint="Purchases above this price need a confirmation">
          <CreditsInput testId="pref-confirm-above" value={draft.confirmAbove} onChange={(confirmAbove) => set({ confirmAbove })} />
        </Row>
        <Row label="Auto-purchase" hint="Buy automatically when the score is above">
          <select className={inputClass} value={draft.autoBuyScoreAbove ?? ""} onChange={(e) => set({ autoBuyScoreAbove: e.target.value ? Number(e.target.value) : null })}>
            <option value="">Off</option>
            {[85, 90, 95].map((s) => <option key={s} value={s}>Score above {s}</option>)}
          </select>
        </Row>
      </Panel>
      {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
      <div className="flex items-center gap-3">
        <Button type="submit" data-testid="save-preferences" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save preferences"}
        </Button>
        {save.isSuccess && <span className="text-sm text-emerald-700" aria-live="polite">Saved. The marketplace now follows these preferences.</span>}
      </div>
    </form>
  );
}

function Profile() {
  const user = useQuery(currentUserQuery());
  if (!user.data) return null;
  return (
    <Panel title="Profile" testId="profile">
      {/* Its own narrow grid: the settings rows' 14rem label column would squeeze the values
          out of this side card. Long emails wrap at any character rather than overflow. */}
      <dl className="grid grid-cols-[5rem_minmax(0,1fr)] gap-x-3 gap-y-3 text-sm">
        <dt className="font-medium">Name</dt>
        <dd className="wrap-break-word">{user.data.name}</dd>
        <dt className="font-medium">Email</dt>
        <dd className="wrap-anywhere" title={user.data.email} data-testid="profile-email">{user.data.email}</dd>
        <dt className="font-medium">Account</dt>
        <dd className="capitalize">{user.data.role}{user.data.verified ? " · verified" : " · awaiting verification"}</dd>
      </dl>
    </Panel>
  );
}

function Notifications() {
  return (
    <Panel title="Notifications">
      <p className="text-sm text-slate-500">
        New-lead alerts, low-credit warnings and the daily summary arrive as desktop notifications
        once the live lead stream is switched on for your account.
      </p>
    </Panel>
  );
}

export function SettingsPage() {
  const prefs = useQuery(preferencesQuery());
  return (
    <div className="grid grid-cols-[1fr_340px] gap-6">
      <div>
        {prefs.isPending && <Loading label="Loading your preferences…" />}
        {prefs.isError && <ErrorAlert message={errorMessage(prefs.error)} />}
        {prefs.data && <PreferencesForm initial={prefs.data} />}
      </div>
      <div className="flex flex-col gap-6">
        <Profile />
        <Notifications />
        <DesktopSettings />
      </div>
    </div>
  );
}
