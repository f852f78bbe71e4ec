import { useQuery } from "@tanstack/react-query";
import { marketplaceFeedQuery } from "../lib/backend";
import { timeAgo } from "../lib/format";

/** Online / offline / syncing, and when the app last heard from the marketplace. */
export function ConnectionStatus() {
  const feed = useQuery(marketplaceFeedQuery());
  const data = feed.data;
  const syncing = feed.isFetching;
  const online = data?.connection === "online";
  const label = !data ? "Connecting…" : syncing ? "Syncing…" : online ? "Online" : "Offline";
  const dot = !data || syncing ? "bg-sky-500" : online ? "bg-emerald-500" : "bg-amber-500";
  return (
    <output
      data-testid="connection-status"
      data-connection={data?.connection ?? "unknown"}
      className="flex items-center gap-2 text-sm text-slate-600"
    >
      <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${dot}`} />
      <span className="font-medium text-slate-800">{label}</span>
      {data?.lastSyncedAt && (
        <span title={new Date(data.lastSyncedAt).toLocaleString()}>
          · last synced {timeAgo(data.lastSyncedAt)}
        </span>
      )}
    </output>
  );
}
