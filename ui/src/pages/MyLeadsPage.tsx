import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import { ArrowUpDown, WifiOff } from "lucide-react";
import { errorMessage, myLeadsQuery, type PipelineStage, type PurchasedLead } from "../lib/backend";
import { STAGE_LABELS, STAGE_STYLES, formatBudget, timeAgo } from "../lib/format";
import { useNavigate } from "../app/navigation";
import { LeadDetail } from "../components/LeadDetail";
import { Modal } from "../components/Modal";
import { Badge, Button, ErrorAlert, Loading } from "../components/ui";

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

/** What a row's buttons can do, passed through the table's `meta`. */
type RowActions = { open: (leadId: string) => void; pending: Set<string> };

const columns = [
    column.accessor((l) => l.contact.name, {
      id: "name",
      header: "Name",
      cell: (info) => <span className="font-medium text-slate-900">{info.getValue()}</span>,
    }),
    column.accessor((l) => l.lead.card.title, { id: "type", header: "Type" }),
    column.accessor((l) => `${l.lead.card.area || l.lead.card.city}`, { id: "area", header: "Area" }),
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
          {(info.table.options.meta as RowActions).pending.has(info.row.original.lead.card.id) && (
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
            (table.options.meta as RowActions).open(row.original.lead.card.id);
          }}
        >
          {row.original.stage === "new" ? "Contact now" : "Details"}
        </Button>
      ),
    }),
];


export function MyLeadsPage({ initialLeadId }: { initialLeadId?: string }) {
  const leads = useQuery(myLeadsQuery());
  const navigate = useNavigate();
  const [tab, setTab] = useState("all");
  const [selected, setSelected] = useState<string | null>(initialLeadId ?? null);
  const [sorting, setSorting] = useState<SortingState>([]);
  const all = useMemo(() => leads.data?.leads ?? [], [leads.data]);
  const pending = useMemo(
    () => new Set((leads.data?.outbox ?? []).filter((entry) => !entry.problem).map((entry) => entry.leadId)),
    [leads.data],
  );
  const stages = TABS.find((t) => t.id === tab)?.stages ?? null;
  const rows = useMemo(
    () => (stages ? all.filter((lead) => stages.includes(lead.stage)) : all),
    [all, stages],
  );
  // TanStack Table returns a new table object each render; the React compiler must not memoise it.
  // oxlint-disable-next-line react/incompatible-library
  const table = useReactTable({
    data: rows,
    meta: { open: setSelected, pending } satisfies RowActions,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (lead) => lead.lead.card.id,
  });
  const count = (t: Tab) => (t.stages ? all.filter((l) => t.stages?.includes(l.stage)).length : all.length);
  const chosen = all.find((lead) => lead.lead.card.id === selected);
  return (
    <div className="flex flex-col gap-4">
      <div role="tablist" aria-label="Lead status" className="flex gap-1 border-b border-slate-200">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            data-testid={`tab-${t.id}`}
            onClick={() => setTab(t.id)}
            className={`-mb-px border-b-2 px-4 py-2 text-sm font-medium ${
              tab === t.id
                ? "border-brand-700 text-brand-800"
                : "border-transparent text-slate-500 hover:text-slate-800"
            }`}
          >
            {t.label}
            <span className="ml-1.5 rounded-full bg-slate-100 px-1.5 text-xs text-slate-600">
              {count(t)}
            </span>
          </button>
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
                  onKeyDown={(event) => event.key === "Enter" && setSelected(row.id)}
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
                    No leads with this status.
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
                {chosen ? `${chosen.contact.name} · ${chosen.lead.card.title}` : "Lead details"}
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
