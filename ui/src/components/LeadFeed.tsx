import { useQuery } from "@tanstack/react-query";
import { WifiOff } from "lucide-react";
import { BackendError, marketplaceFeedQuery } from "../lib/backend";
import { timeAgo } from "../lib/format";
import { LeadCardView } from "./LeadCardView";
import type { LeadCard } from "../lib/backend";

/** Says the shown leads come from this computer's cache, since when, and that buying waits. */
export function OfflineNotice(props: { lastSyncedAt: string | null; filtersIgnored?: boolean }) {
  return (
    <output
      data-testid="offline-notice"
      className="flex items-start gap-3 rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900"
    >
      <WifiOff aria-hidden size={18} className="mt-0.5 shrink-0" />
      <span>
        You're offline. Showing the leads saved on this computer
        {props.lastSyncedAt ? ` ${timeAgo(props.lastSyncedAt)}` : ""}
        {props.filtersIgnored ? " (filters need a connection)" : ""}. Buying needs a connection;
        Leadmart will refresh as soon as the marketplace answers.
      </span>
    </output>
  );
}

/** The live lead feed; falls back to the cached page (and says so) when offline. */
export function LeadFeed({
  limit,
  onPreview,
  onBuy,
}: {
  limit?: number;
  onPreview?: (lead: LeadCard) => void;
  onBuy?: (lead: LeadCard) => void;
}) {
  const feed = useQuery(marketplaceFeedQuery());
  if (feed.isPending) {
    return <p className="text-sm text-slate-500">Loading leads…</p>;
  }
  if (feed.isError) {
    const message =
      feed.error instanceof BackendError ? feed.error.detail.message : "Something went wrong.";
    return (
      <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
        <p>{message}</p>
        <button
          type="button"
          onClick={() => feed.refetch()}
          className="mt-2 rounded-md bg-red-700 px-3 py-1.5 text-white hover:bg-red-800"
        >
          Try again
        </button>
      </div>
    );
  }
  const { leads, connection, lastSyncedAt } = feed.data;
  const offline = connection === "offline";
  const shown = limit ? leads.slice(0, limit) : leads;
  return (
    <section aria-label="Lead feed" className="flex flex-col gap-4">
      {offline && <OfflineNotice lastSyncedAt={lastSyncedAt} />}
      {shown.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="feed-empty">
          {offline
            ? "No leads were saved yet. Connect once to see the marketplace offline."
            : "No leads match right now. New leads appear here the moment they are listed."}
        </p>
      ) : (
        <div className="grid grid-cols-[repeat(auto-fill,minmax(300px,1fr))] gap-4">
          {shown.map((lead) => (
            <LeadCardView
              key={lead.id}
              lead={lead}
              offline={offline}
              onPreview={onPreview}
              onBuy={onBuy}
            />
          ))}
        </div>
      )}
    </section>
  );
}
