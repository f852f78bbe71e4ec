import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { FileText, Search, User } from "lucide-react";
import { visiblePages, type PageId } from "../app/Shell";
import type { Navigate } from "../app/navigation";
import { currentUserQuery, marketplaceFeedQuery, myLeadsQuery } from "../lib/backend";
import { STAGE_LABELS, categoryLabel, customerName } from "../lib/format";
import { Modal } from "./Modal";

type Entry = { key: string; label: string; hint: string; kind: "page" | "mine" | "market"; go: () => void };

const SHOWN = 30;

/** Ctrl/Cmd+K: jump to any page, purchased lead (by the customer's name) or listed lead by
 * typing a few letters; arrows choose, Enter goes, Esc closes. */
export function CommandPalette(props: { onClose: () => void; navigate: Navigate }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const user = useQuery(currentUserQuery()).data;
  const mine = useQuery({ ...myLeadsQuery(), enabled: !!user }).data?.leads;
  const feed = useQuery(marketplaceFeedQuery()).data;
  useEffect(() => input.current?.focus(), []);

  // A few dozen entries at most: filtered on each render, nothing worth memoising.
  const entries = (() => {
    const go = (page: PageId, lead?: string) => () => {
      props.onClose();
      props.navigate(page, lead);
    };
    const all: Entry[] = visiblePages(user?.role).map(
      (item) => ({ key: `page-${item.id}`, label: item.label, hint: "Page", kind: "page", go: go(item.id) }),
    );
    for (const lead of mine ?? []) {
      all.push({
        key: `mine-${lead.lead.card.id}`,
        label: `${customerName(lead.contact)} · ${lead.lead.card.title}`,
        hint: `My lead · ${STAGE_LABELS[lead.stage] ?? lead.stage} · ${lead.lead.card.area}`,
        kind: "mine",
        go: go("my-leads", lead.lead.card.id),
      });
    }
    const owned = new Set((mine ?? []).map((lead) => lead.lead.card.id));
    for (const card of feed?.leads ?? []) {
      if (owned.has(card.id)) continue;
      all.push({
        key: `market-${card.id}`,
        label: card.title,
        hint: `Available · ${categoryLabel(card.category)} · ${card.area}`,
        kind: "market",
        go: go("available", card.id),
      });
    }
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return all
      .filter((entry) => {
        const text = `${entry.label} ${entry.hint}`.toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .slice(0, SHOWN);
  })();

  const chosen = Math.min(active, Math.max(entries.length - 1, 0));
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((chosen + step + entries.length) % Math.max(entries.length, 1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      entries[chosen]?.go();
    }
  };
  return (
    <Modal title="Jump to" label="Jump to a page or lead" onClose={props.onClose} width="md" testId="command-palette">
      <label className="flex items-center gap-2 rounded-lg border border-slate-300 px-3 py-2 focus-within:border-brand-600 focus-within:ring-2 focus-within:ring-brand-100">
        <Search aria-hidden size={16} className="text-slate-400" />
        <input
          ref={input}
          data-testid="palette-input"
          aria-controls="palette-results"
          className="flex-1 bg-transparent text-sm outline-none focus-visible:outline-none"
          placeholder="A page, a customer's name, an area…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
      </label>
      <ul id="palette-results" aria-label="Results" className="mt-3 flex flex-col gap-0.5">
        {entries.length === 0 && <li className="px-3 py-2 text-sm text-slate-500">Nothing matches “{query}”.</li>}
        {entries.map((entry, i) => {
          const Icon = entry.kind === "page" ? FileText : entry.kind === "mine" ? User : Search;
          return (
            <li key={entry.key}>
              <button
                type="button"
                tabIndex={-1}
                aria-current={i === chosen ? "true" : undefined}
                data-testid="palette-entry"
                onMouseEnter={() => setActive(i)}
                onClick={entry.go}
                className={`flex w-full items-center gap-3 rounded-md px-3 py-2 text-left text-sm ${
                  i === chosen ? "bg-brand-50 text-brand-800" : "text-slate-700"
                }`}
              >
                <Icon aria-hidden size={16} className="shrink-0" />
                <span className="flex min-w-0 flex-1 flex-col">
                  <span className="truncate font-medium">{entry.label}</span>
                  <span className="truncate text-xs text-slate-500">{entry.hint}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </Modal>
  );
}
