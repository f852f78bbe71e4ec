import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import { ArrowUpDown, Contact, Download, Search, WifiOff, X } from "lucide-react";
import {
  briefcaseSearchQuery,
  dismissCacheReset,
  errorMessage,
  exportMyLeads,
  myLeadsQuery,
  type CacheReset,
  type ExportFormat,
  type PipelineStage,
  type PurchasedLead,
  type SearchHit,
  type TextRun,
} from "../lib/backend";
import {
  STAGE_LABELS,
  STAGE_STYLES,
  categoryLabel,
  customerName,
  formatBudget,
  formatDateTime,
  plural,
  timeAgo,
} from "../lib/format";
import { useNavigate } from "../app/navigation";
import { LeadDetail } from "../components/LeadDetail";
import { Modal } from "../components/Modal";
import { Badge, Button, ErrorAlert, Loading, Tab as TabButton } from "../components/ui";

type Tab = { id: string; label: string; stages: PipelineStage[] | null };

/** Seed 000's tabs; "In progress" is a meeting or a quote. */
const TABS: Tab[] = [
  { id: "all", label: "All leads", stages: null },
  { id: "new", label: "New", stages: ["new"] },
  { id: "contacted", label: "Contacted", stages: ["contacted"] },
  { id: "in-progress", label: "In progress", stages: ["meeting", "quoted"] },
  { id: "won", label: "Won", stages: ["won"] },
  { id: "lost", label: "Lost", stages: ["lost"] },
];

const column = createColumnHelper<PurchasedLead>();

/** What a row's buttons can do and what the search matched, passed through the table's `meta`. */
type RowActions = { open: (leadId: string) => void; pending: Set<string>; hits: Map<string, SearchHit> | null };

const meta = (info: { table: { options: { meta?: unknown } } }) => info.table.options.meta as RowActions;

/** Arrow keys, Home and End move between the table's rows (each row is focusable). */
function moveRowFocus(event: React.KeyboardEvent<HTMLTableRowElement>) {
  const row = event.currentTarget;
  const rows = [...(row.parentElement?.querySelectorAll<HTMLTableRowElement>("tr[tabindex]") ?? [])];
  const at = rows.indexOf(row);
  const to =
    event.key === "ArrowDown"
      ? rows[at + 1]
      : event.key === "ArrowUp"
        ? rows[at - 1]
        : event.key === "Home"
          ? rows[0]
          : event.key === "End"
            ? rows[rows.length - 1]
            : undefined;
  if (to) {
    event.preventDefault();
    to.focus();
  }
}

/** Text with the words the search matched marked. */
function Marked({ runs }: { runs: TextRun[] }) {
  return (
    <>
      {runs.map((run, index) =>
        run.hit ? (
          <mark key={index} data-testid="search-match" className="rounded-sm bg-amber-200 px-0.5 text-inherit">
            {run.text}
          </mark>
        ) : (
          <span key={index}>{run.text}</span>
        ),
      )}
    </>
  );
}

const columns = [
    column.accessor((l) => customerName(l.contact), {
      id: "name",
      header: "Name",
      cell: (info) => {
        const hit = meta(info).hits?.get(info.row.original.lead.card.id);
        return (
          <div className="min-w-0">
            <span className="font-medium text-slate-900">{hit ? <Marked runs={hit.name} /> : info.getValue()}</span>
            {hit?.excerpt && (
              <p data-testid="search-excerpt" className="mt-0.5 line-clamp-2 max-w-xs text-xs text-slate-500">
                <Marked runs={hit.excerpt} />
              </p>
            )}
          </div>
        );
      },
    }),
    column.accessor((l) => l.lead.card.title, { id: "type", header: "Type" }),
    column.accessor((l) => `${l.lead.card.area || l.lead.card.city}`, {
      id: "area",
      header: "Area",
      cell: (info) => {
        const hit = meta(info).hits?.get(info.row.original.lead.card.id);
        return hit && hit.area.some((run) => run.hit) ? <Marked runs={hit.area} /> : info.getValue();
      },
    }),
    column.display({
      id: "budget",
      header: "Budget",
      cell: ({ row }) => {
        const c = row.original.lead.card;
        return <span className="whitespace-nowrap">{formatBudget(c.budgetMin, c.budgetMax, c.currency)}</span>;
      },
    }),
    column.accessor("stage", {
      header: "Status",
      cell: (info) => (
        <span className="flex items-center gap-1.5 whitespace-nowrap">
          <Badge className={STAGE_STYLES[info.getValue()] ?? ""}>
            <span data-testid="row-stage">{STAGE_LABELS[info.getValue()]}</span>
          </Badge>
          {meta(info).pending.has(info.row.original.lead.card.id) && (
            <span data-testid="row-pending" title="Changed on this computer; waiting to sync" className="text-xs text-slate-500">
              pending
            </span>
          )}
        </span>
      ),
    }),
    column.accessor((l) => l.lead.card.score, { id: "score", header: "Score" }),
    column.accessor("purchasedAt", {
      header: "Purchased",
      cell: (info) => <span className="whitespace-nowrap">{timeAgo(info.getValue())}</span>,
    }),
    column.display({
      id: "actions",
      header: () => <span className="sr-only">Actions</span>,
      cell: ({ row, table }) => (
        <Button
          variant={row.original.stage === "new" ? "primary" : "secondary"}
          className="py-1"
          onClick={(event) => {
            event.stopPropagation();
            meta({ table }).open(row.original.lead.card.id);
          }}
        >
          {row.original.stage === "new" ? "Contact now" : "Details"}
        </Button>
      ),
    }),
];


const SCORE_FILTERS = [
  { value: "", label: "Any score" },
  { value: "60", label: "Score 60+" },
  { value: "75", label: "Score 75+" },
  { value: "90", label: "Score 90+" },
];

const DATE_FILTERS = [
  { value: "", label: "Bought any time" },
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
  { value: "90", label: "Last 90 days" },
];

type Filters = { text: string; minScore: string; category: string; days: string };

const NO_FILTERS: Filters = { text: "", minScore: "", category: "", days: "" };

const isFiltered = (f: Filters) => f.text.trim() !== "" || f.minScore !== "" || f.category !== "" || f.days !== "";

/** The search box and filters over the briefcase (searched on this computer, offline too). */
function BriefcaseSearch({
  filters,
  onChange,
  categories,
}: {
  filters: Filters;
  onChange: (filters: Filters) => void;
  categories: string[];
}) {
  const select = "rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-700";
  const box = useRef<HTMLInputElement>(null);
  // "/" (outside a text field) and Ctrl/Cmd+F jump to the search box.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLElement && event.target.closest("input, textarea, select");
      const find = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f";
      if (find || (event.key === "/" && !typing)) {
        event.preventDefault();
        box.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <search className="flex flex-wrap items-center gap-2">
      <label className="relative min-w-48 flex-1">
        <span className="sr-only">Search your leads</span>
        <Search aria-hidden size={16} className="pointer-events-none absolute top-2.5 left-2.5 text-slate-400" />
        <input
          ref={box}
          type="search"
          aria-keyshortcuts="/ Control+F"
          data-testid="briefcase-search"
          value={filters.text}
          onChange={(event) => onChange({ ...filters, text: event.target.value })}
          onKeyDown={(event) => event.key === "Escape" && onChange({ ...filters, text: "" })}
          placeholder="Search names, companies, areas, requirements and notes"
          className="w-full rounded-lg border border-slate-300 py-2 pr-3 pl-8 text-sm"
        />
      </label>
      <select aria-label="Score" className={select} value={filters.minScore}
        onChange={(event) => onChange({ ...filters, minScore: event.target.value })}>
        {SCORE_FILTERS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
      </select>
      <select aria-label="Category" className={select} value={filters.category}
        onChange={(event) => onChange({ ...filters, category: event.target.value })}>
        <option value="">All categories</option>
        {categories.map((c) => <option key={c} value={c}>{categoryLabel(c)}</option>)}
      </select>
      <select aria-label="Bought" className={select} value={filters.days}
        onChange={(event) => onChange({ ...filters, days: event.target.value })}>
        {DATE_FILTERS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
      </select>
      {isFiltered(filters) && (
        <Button variant="secondary" className="py-1.5" onClick={() => onChange(NO_FILTERS)}>
          <X aria-hidden size={14} /> Clear
        </Button>
      )}
    </search>
  );
}

/** Exports the leads shown (all of them when nothing narrows the list) as CSV or vCards. */
function ExportButtons({ leadIds, count }: { leadIds: string[] | null; count: number }) {
  const run = useMutation({ mutationFn: (format: ExportFormat) => exportMyLeads(format, leadIds) });
  return (
    <div className="flex items-center gap-2 text-sm">
      <Button variant="secondary" className="py-1.5" data-testid="export-csv" disabled={count === 0 || run.isPending}
        title={`Export ${plural(count, "lead", "leads")} to a spreadsheet`} onClick={() => run.mutate("csv")}>
        <Download aria-hidden size={14} /> CSV
      </Button>
      <Button variant="secondary" className="py-1.5" data-testid="export-vcard" disabled={count === 0 || run.isPending}
        title={`Export ${plural(count, "contact", "contacts")} to your address book`} onClick={() => run.mutate("vcard")}>
        <Contact aria-hidden size={14} /> vCard
      </Button>
      {run.data && (
        <output data-testid="export-done" className="text-slate-600" title={run.data.path}>
          {plural(run.data.leads, "lead", "leads")} exported
        </output>
      )}
      {run.isError && <span className="text-red-700">{errorMessage(run.error)}</span>}
    </div>
  );
}

/** This computer's copy could not be unlocked and was downloaded again: say so, once. */
function CacheResetNotice({ reset }: { reset: CacheReset }) {
  const client = useQueryClient();
  const why =
    reset.reason === "keyMissing"
      ? "its key is no longer in your system keychain"
      : "the key in your system keychain does not open it";
  return (
    <output data-testid="cache-reset" className="flex items-start justify-between gap-4 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
      <span>
        On {formatDateTime(reset.at)} Leadmart could not open the copy of your leads saved on this
        computer ({why}), so it downloaded them again from the marketplace. Edits made offline that
        had not synced yet stay in the old copy, kept at <span className="break-all font-mono text-xs">{reset.setAsideAs}</span>.
      </span>
      <Button
        variant="secondary"
        className="shrink-0 py-1"
        onClick={async () => {
          await dismissCacheReset();
          await client.invalidateQueries({ queryKey: ["my-leads", "list"] });
        }}
      >
        Got it
      </Button>
    </output>
  );
}

export function MyLeadsPage({ initialLeadId }: { initialLeadId?: string }) {
  const leads = useQuery(myLeadsQuery());
  const navigate = useNavigate();
  const [tab, setTab] = useState("all");
  const [selected, setSelected] = useState<string | null>(initialLeadId ?? null);
  const [sorting, setSorting] = useState<SortingState>([]);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const deferred = useDeferredValue(filters);
  const searching = isFiltered(deferred);
  const search = useQuery({
    ...briefcaseSearchQuery({
      text: deferred.text,
      minScore: deferred.minScore ? Number(deferred.minScore) : null,
      category: deferred.category || null,
      purchasedSince: deferred.days ? new Date(Date.now() - Number(deferred.days) * 86_400_000).toISOString() : null,
    }),
    enabled: searching,
  });
  const all = useMemo(() => leads.data?.leads ?? [], [leads.data]);
  const categories = useMemo(() => [...new Set(all.map((lead) => lead.lead.card.category))].sort(), [all]);
  const pending = useMemo(
    () => new Set((leads.data?.outbox ?? []).filter((entry) => !entry.problem).map((entry) => entry.leadId)),
    [leads.data],
  );
  const hits = useMemo(
    () => (searching && search.data ? new Map(search.data.map((hit) => [hit.leadId, hit])) : null),
    [searching, search.data],
  );
  // Found leads in the order the search ranked them; every lead when nothing is searched.
  const found = useMemo(() => {
    if (!hits) return all;
    const byId = new Map(all.map((lead) => [lead.lead.card.id, lead]));
    return [...hits.keys()].flatMap((id) => byId.get(id) ?? []);
  }, [all, hits]);
  const stages = TABS.find((t) => t.id === tab)?.stages ?? null;
  const rows = useMemo(
    () => (stages ? found.filter((lead) => stages.includes(lead.stage)) : found),
    [found, stages],
  );
  // TanStack Table returns a new table object each render; the React compiler must not memoise it.
  // oxlint-disable-next-line react/incompatible-library
  const table = useReactTable({
    data: rows,
    meta: { open: setSelected, pending, hits } satisfies RowActions,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (lead) => lead.lead.card.id,
  });
  const count = (t: Tab) => (t.stages ? found.filter((l) => t.stages?.includes(l.stage)).length : found.length);
  const chosen = all.find((lead) => lead.lead.card.id === selected);
  return (
    <div className="flex flex-col gap-4">
      <div role="tablist" aria-label="Lead status" className="flex gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <TabButton key={t.id} selected={tab === t.id} onSelect={() => setTab(t.id)} testId={`tab-${t.id}`}>
            {t.label}
            <span className="ml-1.5 rounded-full bg-slate-100 px-1.5 text-xs text-slate-600">
              {count(t)}
            </span>
          </TabButton>
        ))}
      </div>
      {leads.data?.connection === "offline" && (
        <output className="flex items-center gap-2 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          <WifiOff aria-hidden size={16} /> Offline: your leads as saved
          {leads.data.lastSyncedAt ? ` ${timeAgo(leads.data.lastSyncedAt)}` : ""}. Contact details
          work; status changes, notes and calls you log are kept here and sent when you are back
          online.
        </output>
      )}
      {leads.data?.cacheReset && <CacheResetNotice reset={leads.data.cacheReset} />}
      {all.length > 0 && (
        <div className="flex flex-wrap items-center gap-2">
          <div className="min-w-0 flex-1">
            <BriefcaseSearch filters={filters} onChange={setFilters} categories={categories} />
          </div>
          <ExportButtons leadIds={rows.length === all.length ? null : rows.map((lead) => lead.lead.card.id)} count={rows.length} />
        </div>
      )}
      {leads.isPending && <Loading label="Loading your leads…" />}
      {leads.isError && <ErrorAlert message={errorMessage(leads.error)} />}
      {leads.data && all.length === 0 && (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center">
          <p className="font-medium">You haven't bought any leads yet.</p>
          <p className="mt-1 text-sm text-slate-500">Leads you buy appear here with full contact details.</p>
          <Button className="mt-4" onClick={() => navigate("available")}>
            Browse available leads
          </Button>
        </div>
      )}
      {all.length > 0 && (
        <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm" data-testid="my-leads-table">
            <thead className="bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-500">
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => (
                    <th key={header.id} className="px-4 py-3">
                      {header.column.getCanSort() ? (
                        <button
                          type="button"
                          className="inline-flex items-center gap-1 uppercase"
                          onClick={header.column.getToggleSortingHandler()}
                        >
                          {flexRender(header.column.columnDef.header, header.getContext())}
                          <ArrowUpDown aria-hidden size={12} />
                        </button>
                      ) : (
                        flexRender(header.column.columnDef.header, header.getContext())
                      )}
                    </th>
                  ))}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => (
                <tr
                  key={row.id}
                  data-testid="my-lead-row"
                  data-lead-id={row.id}
                  tabIndex={0}
                  onClick={() => setSelected(row.id)}
                  onKeyDown={(event) => {
                    if (event.key === "Enter") setSelected(row.id);
                    else moveRowFocus(event);
                  }}
                  className="cursor-pointer border-t border-slate-100 hover:bg-slate-50 focus:bg-brand-50"
                >
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className="px-4 py-3 text-slate-700">
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} className="px-4 py-8 text-center text-slate-500">
                    {searching
                      ? filters.text.trim()
                        ? `No leads match “${filters.text.trim()}”${stages ? " with this status" : ""}.`
                        : "No leads match these filters."
                      : "No leads with this status."}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <Modal
          width="xl"
          label="Lead details"
          onClose={() => setSelected(null)}
          title={
            <div>
              <p className="text-xs font-medium text-slate-500">Lead #{selected}</p>
              <h2 className="text-lg font-semibold">
                {chosen ? `${customerName(chosen.contact)} · ${chosen.lead.card.title}` : "Lead details"}
              </h2>
            </div>
          }
        >
          <LeadDetail leadId={selected} />
        </Modal>
      )}
    </div>
  );
}
