import { useQuery } from "@tanstack/react-query";
import { currentUserQuery, marketplaceFeedQuery, myLeadsQuery } from "../lib/backend";
import { timeAgo } from "../lib/format";

/** Online / offline / syncing, and when the app last heard from the marketplace. */
export function ConnectionStatus() {
  const feed = useQuery(marketplaceFeedQuery());
  const agent = useQuery(currentUserQuery()).data?.role === "agent";
  // The agent's briefcase: edits waiting for the marketplace, and those it refused.
  const briefcase = useQuery({ ...myLeadsQuery(), enabled: agent }).data;
  const outbox = briefcase?.outbox ?? [];
  const waiting = outbox.filter((entry) => !entry.problem).length;
  const refused = outbox.length - waiting;
  const data = feed.data;
  const syncing = feed.isFetching;
  // Offline as soon as either read found the marketplace gone (an edit's sync notices first).
  const online = data?.connection === "online" && briefcase?.connection !== "offline";
  const label = !data ? "Connecting…" : syncing ? "Syncing…" : online ? "Online" : "Offline";
  const dot = !data || syncing ? "bg-sky-500" : online ? "bg-emerald-500" : "bg-amber-500";
  return (
    <output
      data-testid="connection-status"
      data-connection={data ? (online ? "online" : "offline") : "unknown"}
      className="flex items-center gap-2 text-sm text-slate-600"
    >
      <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${dot}`} />
      <span className="font-medium text-slate-800">{label}</span>
      {waiting > 0 && (
        <span data-testid="pending-count">· {waiting === 1 ? "1 change to sync" : `${waiting} changes to sync`}</span>
      )}
      {refused > 0 && (
        <span className="text-red-700">· {refused === 1 ? "1 change not saved" : `${refused} changes not saved`}</span>
      )}
      {data?.lastSyncedAt && (
        <span title={new Date(data.lastSyncedAt).toLocaleString()}>
          · last synced {timeAgo(data.lastSyncedAt)}
        </span>
      )}
    </output>
  );
}
