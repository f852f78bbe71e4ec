import { useQuery } from "@tanstack/react-query";
import {
  currentUserQuery,
  marketplaceFeedQuery,
  myLeadsQuery,
  pauseSync,
  resumeSync,
  useSyncStatus,
} from "../lib/backend";
import { timeAgo } from "../lib/format";

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * Online / syncing (with progress) / offline since when / paused, the edits waiting to sync,
 * and when the app last heard from the marketplace. On every page.
 */
export function ConnectionStatus() {
  const feed = useQuery(marketplaceFeedQuery());
  const agent = useQuery(currentUserQuery()).data?.role === "agent";
  // The agent's briefcase: edits waiting for the marketplace, and those it refused.
  const briefcase = useQuery({ ...myLeadsQuery(), enabled: agent }).data;
  const sync = useSyncStatus();
  const phase = agent ? sync?.phase : undefined;
  const outbox = briefcase?.outbox ?? [];
  const waiting = outbox.filter((entry) => !entry.problem).length;
  const refused = outbox.length - waiting;
  const data = feed.data;
  // Offline as soon as any read found the marketplace gone (an edit's sync notices first).
  const online =
    data?.connection === "online" && briefcase?.connection !== "offline" && phase?.state !== "offline";
  const syncing = feed.isFetching || phase?.state === "syncing";
  const label = !data
    ? "Connecting…"
    : phase?.state === "paused"
      ? "Sync paused"
      : syncing
        ? "Syncing…"
        : online
          ? "Online"
          : phase?.state === "offline"
            ? `Offline since ${clock(phase.since)}`
            : "Offline";
  const dot =
    !data || syncing ? "bg-sky-500" : phase?.state === "paused" ? "bg-slate-400" : online ? "bg-emerald-500" : "bg-amber-500";
  const lastSynced = agent ? (sync?.lastSyncedAt ?? data?.lastSyncedAt) : data?.lastSyncedAt;
  const progress = phase?.state === "syncing" && phase.remaining > 0 ? phase : null;
  return (
    <output
      data-testid="connection-status"
      data-connection={data ? (online ? "online" : "offline") : "unknown"}
      data-sync={phase?.state ?? "none"}
      className="flex min-w-0 flex-wrap items-center justify-end gap-x-2 gap-y-0.5 text-sm text-slate-600"
    >
      <span aria-hidden className={`h-2.5 w-2.5 shrink-0 rounded-full ${dot}`} />
      <span className="font-medium whitespace-nowrap text-slate-800">{label}</span>
      {progress && (
        <span className="flex items-center gap-2" data-testid="sync-progress">
          <progress
            className="h-1.5 w-24 overflow-hidden rounded-full [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-sky-500"
            max={progress.received + progress.remaining}
            value={progress.received}
          />
          <span className="whitespace-nowrap tabular-nums">
            {progress.received.toLocaleString()} of about {(progress.received + progress.remaining).toLocaleString()}
          </span>
          <button type="button" className="text-brand-700 hover:underline" onClick={() => void pauseSync()}>
            Stop
          </button>
        </span>
      )}
      {phase?.state === "paused" && (
        <button
          type="button"
          data-testid="resume-sync"
          className="text-brand-700 hover:underline"
          onClick={() => void resumeSync()}
        >
          Resume
        </button>
      )}
      {waiting > 0 && (
        <span data-testid="pending-count" className="whitespace-nowrap">
          · {waiting === 1 ? "1 change to sync" : `${waiting} changes to sync`}
        </span>
      )}
      {refused > 0 && (
        <span className="whitespace-nowrap text-red-700">
          · {refused === 1 ? "1 change not saved" : `${refused} changes not saved`}
        </span>
      )}
      {lastSynced && !progress && (
        <span className="whitespace-nowrap" title={new Date(lastSynced).toLocaleString()}>
          · last synced {timeAgo(lastSynced)}
        </span>
      )}
    </output>
  );
}
