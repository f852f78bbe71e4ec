// The admin's lead inventory: every lead on and off the marketplace, filtered, with bulk unlist
// and list again (undo right after). Statuses and prices come computed from the server.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, EyeOff, Undo2, Eye } from "lucide-react";
import {
  adminPartnersQuery,
  changeListing,
  errorMessage,
  inventoryQuery,
  type InventoryFilter,
  type InventoryLead,
  type InventoryStatus,
  type ListingAction,
  type ListingChanged,
  type ListingHold,
} from "../../lib/backend";
import { KNOWN_CATEGORIES, categoryLabel, formatCreditsShort, plural, timeAgo } from "../../lib/format";
import { Badge, Button, ErrorAlert, Loading, Panel, inputClass } from "../../components/ui";

const PAGE = 50;

const STATUS: Record<InventoryStatus, { label: string; style: string }> = {
  open: { label: "Open", style: "bg-emerald-100 text-emerald-800" },
  sold_out: { label: "Sold out", style: "bg-slate-200 text-slate-700" },
  expired: { label: "Expired", style: "bg-slate-100 text-slate-500" },
  draft: { label: "Draft", style: "bg-amber-100 text-amber-800" },
  withdrawn: { label: "Unlisted", style: "bg-red-100 text-red-800" },
};

const HOLD: Record<ListingHold, string> = {
  review: "partner in review",
  suspended: "partner suspended",
  admin: "by an admin",
};

/** What the last bulk change did, kept for its undo. */
type Done = { action: ListingAction; result: ListingChanged };

export function InventoryTab({ partner, onPartner }: { partner: string | null; onPartner: (id: string | null) => void }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<InventoryStatus | "">("open");
  const [category, setCategory] = useState("");
  const [words, setWords] = useState("");
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [done, setDone] = useState<Done | null>(null);
  const filter: InventoryFilter = {
    status: status || null,
    category: category || null,
    q: words.trim() || null,
    partner,
    offset,
    limit: PAGE,
  };
  const inventory = useQuery(inventoryQuery(filter));
  const partners = useQuery(adminPartnersQuery());
  const change = useMutation({
    mutationFn: ({ action, ids }: { action: ListingAction; ids: string[] }) => changeListing(action, ids),
    onSuccess: (result, { action }) => {
      setDone({ action, result });
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
    },
  });
  // A new filter starts from its first page, with nothing selected.
  const refilter = (apply: () => void) => {
    apply();
    setOffset(0);
    setSelected(new Set());
  };
  const leads = inventory.data?.leads ?? [];
  const total = inventory.data?.total ?? 0;
  const allSelected = leads.length > 0 && leads.every((lead) => selected.has(lead.id));
  const toggle = (id: string) =>
    setSelected((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const chosen = leads.filter((lead) => selected.has(lead.id));
  const unlistable = chosen.filter((lead) => lead.status === "open").map((lead) => lead.id);
  const relistable = chosen.filter((lead) => lead.hold === "admin").map((lead) => lead.id);

  return (
    <div className="flex flex-col gap-4" data-testid="admin-inventory">
      <form className="flex flex-wrap items-end gap-3" onSubmit={(event) => event.preventDefault()}>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Status
          <select
            data-testid="inventory-status"
            className={inputClass}
            value={status}
            onChange={(e) => refilter(() => setStatus(e.target.value as InventoryStatus | ""))}
          >
            <option value="">Any status</option>
            {(Object.keys(STATUS) as InventoryStatus[]).map((s) => (
              <option key={s} value={s}>
                {STATUS[s].label}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Category
          <select className={inputClass} value={category} onChange={(e) => refilter(() => setCategory(e.target.value))}>
            <option value="">Every category</option>
            {KNOWN_CATEGORIES.map((slug) => (
              <option key={slug} value={slug}>
                {categoryLabel(slug)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Partner
          <select
            data-testid="inventory-partner"
            className={inputClass}
            value={partner ?? ""}
            onChange={(e) => refilter(() => onPartner(e.target.value || null))}
          >
            <option value="">Anyone's</option>
            {(partners.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-48 flex-1 flex-col gap-1 text-xs font-medium text-slate-600">
          Title, city or area
          <input
            type="search"
            data-testid="inventory-search"
            className={inputClass}
            placeholder="e.g. Andheri"
            value={words}
            onChange={(e) => refilter(() => setWords(e.target.value))}
          />
        </label>
      </form>

      {done && <ChangeNotice done={done} busy={change.isPending} onUndo={(action, ids) => change.mutate({ action, ids })} onClose={() => setDone(null)} />}
      {change.isError && <ErrorAlert message={errorMessage(change.error)} />}

      <Panel
        title={inventory.data ? `${plural(total, "lead", "leads")}` : "Leads"}
        testId="inventory-table"
        action={
          <div className="flex items-center gap-2">
            {selected.size > 0 && <span className="text-sm text-slate-600">{selected.size} selected</span>}
            <Button
              variant="secondary"
              data-testid="inventory-relist"
              disabled={relistable.length === 0 || change.isPending}
              onClick={() => change.mutate({ action: "relist", ids: relistable })}
              title="List again the selected leads an admin unlisted"
            >
              <Eye aria-hidden size={16} /> List again
            </Button>
            <Button
              variant="danger"
              data-testid="inventory-unlist"
              disabled={unlistable.length === 0 || change.isPending}
              onClick={() => change.mutate({ action: "unlist", ids: unlistable })}
              title="Take the selected open leads off the marketplace"
            >
              <EyeOff aria-hidden size={16} /> Unlist{unlistable.length > 0 && ` ${unlistable.length}`}
            </Button>
          </div>
        }
      >
        {inventory.isPending ? (
          <Loading label="Reading the inventory…" />
        ) : inventory.isError ? (
          <ErrorAlert message={errorMessage(inventory.error)} />
        ) : (
          <>
            <table className="w-full table-fixed text-left text-sm">
              <colgroup>
                <col className="w-8" />
                <col />
                <col className="w-40" />
                <col className="w-36" />
                <col className="w-36" />
                <col className="w-20" />
                <col className="w-28" />
                <col className="w-24" />
              </colgroup>
              <thead className="text-xs tracking-wide text-slate-500 uppercase">
                <tr>
                  <th className="py-2">
                    <input
                      type="checkbox"
                      aria-label="Select every lead on this page"
                      data-testid="inventory-select-all"
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(leads.map((lead) => lead.id)))}
                    />
                  </th>
                  <th className="py-2 pr-3">Lead</th>
                  <th className="py-2 pl-4">Category</th>
                  <th className="py-2 pl-4">From</th>
                  <th className="py-2 pl-4">Status</th>
                  <th className="py-2 pl-3 text-right">Buyers</th>
                  <th className="py-2 pl-3 text-right">Price</th>
                  <th className="py-2 pl-4">Listed</th>
                </tr>
              </thead>
              <tbody>
                {leads.map((lead) => (
                  <InventoryRow key={lead.id} lead={lead} selected={selected.has(lead.id)} onToggle={() => toggle(lead.id)} />
                ))}
                {leads.length === 0 && (
                  <tr>
                    <td colSpan={8} className="py-6 text-center text-slate-500">
                      No leads match these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager offset={offset} shown={leads.length} total={total} onOffset={setOffset} />
          </>
        )}
      </Panel>
    </div>
  );
}

function InventoryRow({ lead, selected, onToggle }: { lead: InventoryLead; selected: boolean; onToggle: () => void }) {
  const status = STATUS[lead.status];
  return (
    <tr data-testid="inventory-row" data-lead-id={lead.id} className="border-t border-slate-100 align-top">
      <td className="py-2">
        <input type="checkbox" aria-label={`Select ${lead.title}`} data-testid="inventory-select" checked={selected} onChange={onToggle} />
      </td>
      <td className="truncate py-2 pr-3" title={`${lead.title} · ${lead.area}, ${lead.city}`}>
        <span className="font-medium text-slate-900">{lead.title}</span>
        <span className="block truncate text-xs text-slate-500">
          {lead.area}, {lead.city} · score {lead.score}
        </span>
      </td>
      <td className="truncate py-2 pl-4 text-slate-600" title={categoryLabel(lead.category)}>
        {categoryLabel(lead.category)}
      </td>
      <td className="truncate py-2 pl-4 text-slate-600" title={lead.partner ?? SOURCE[lead.source]}>
        {lead.partner ?? SOURCE[lead.source]}
      </td>
      <td className="py-2 pl-4">
        <Badge className={status.style}>
          <span data-testid="inventory-row-status">{status.label}</span>
        </Badge>
        {lead.hold && <span className="block text-xs text-slate-500">{HOLD[lead.hold]}</span>}
      </td>
      <td className="py-2 pl-3 text-right tabular-nums">
        {lead.purchases} of {lead.maxBuyers}
      </td>
      <td className="py-2 pl-3 text-right whitespace-nowrap tabular-nums">{formatCreditsShort(lead.price)}</td>
      <td className="py-2 pl-4 whitespace-nowrap text-slate-600">{timeAgo(lead.listedAt)}</td>
    </tr>
  );
}

const SOURCE: Record<InventoryLead["source"], string> = {
  partner_upload: "Partner upload",
  web_form: "Web form",
  api: "Integration",
  admin: "Admin",
};

function ChangeNotice({
  done,
  busy,
  onUndo,
  onClose,
}: {
  done: Done;
  busy: boolean;
  onUndo: (action: ListingAction, ids: string[]) => void;
  onClose: () => void;
}) {
  const { action, result } = done;
  const changed = result.changed.length;
  const verb = action === "unlist" ? "Unlisted" : "Listed again";
  const skipped = result.unchanged.length;
  return (
    <output data-testid="inventory-notice" className="flex items-center gap-3 rounded-lg bg-slate-100 p-3 text-sm text-slate-800">
      <span className="flex-1">
        {changed > 0 ? `${verb}: ${plural(changed, "lead", "leads")}.` : "Nothing changed."}
        {skipped > 0 &&
          ` ${plural(skipped, "lead was", "leads were")} left as ${skipped === 1 ? "it was" : "they were"} (no longer open, or not unlisted by an admin).`}
      </span>
      {changed > 0 && (
        <Button
          variant="secondary"
          data-testid="inventory-undo"
          disabled={busy}
          onClick={() => onUndo(action === "unlist" ? "relist" : "unlist", result.changed)}
        >
          <Undo2 aria-hidden size={16} /> Undo
        </Button>
      )}
      <Button variant="ghost" onClick={onClose}>
        Dismiss
      </Button>
    </output>
  );
}

function Pager({ offset, shown, total, onOffset }: { offset: number; shown: number; total: number; onOffset: (n: number) => void }) {
  if (total <= PAGE) return null;
  return (
    <nav aria-label="Inventory pages" className="mt-3 flex items-center justify-end gap-2 text-sm text-slate-600">
      <span>
        {(offset + 1).toLocaleString()}–{(offset + shown).toLocaleString()} of {total.toLocaleString()}
      </span>
      <Button variant="secondary" aria-label="Previous page" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PAGE))}>
        <ChevronLeft aria-hidden size={16} />
      </Button>
      <Button variant="secondary" aria-label="Next page" disabled={offset + shown >= total} onClick={() => onOffset(offset + PAGE)}>
        <ChevronRight aria-hidden size={16} />
      </Button>
    </nav>
  );
}
