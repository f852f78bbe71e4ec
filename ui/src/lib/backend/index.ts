// The only door from the UI to Rust: wraps the generated bindings, turns their result unions into
// thrown, typed errors, and exposes TanStack Query options. No other module imports bindings or
// @tauri-apps/*.
import { queryOptions } from "@tanstack/react-query";
import { commands, type AppError } from "../../bindings";

export type { AppError, MarketplaceFeed, LeadCard, Connection, MeDto } from "../../bindings";

/** A command's typed failure; switch on `error.detail.code`, never on the message. */
export class BackendError extends Error {
  readonly detail: AppError;
  constructor(detail: AppError) {
    super(detail.message);
    this.name = "BackendError";
    this.detail = detail;
  }
}

type CommandResult<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

function unwrap<T>(result: CommandResult<T>): T {
  if (result.status === "error") throw new BackendError(result.error);
  return result.data;
}

/** The message to show for any thrown error. */
export function errorMessage(error: unknown): string {
  if (error instanceof BackendError) return error.detail.message;
  return "Something went wrong. Please try again.";
}

/** How often the feed refreshes while the window is open. */
const FEED_REFRESH_MS = 30_000;

export const marketplaceFeedQuery = () =>
  queryOptions({
    queryKey: ["marketplace", "feed"],
    queryFn: async () => unwrap(await commands.loadMarketplaceFeed()),
    refetchInterval: FEED_REFRESH_MS,
  });

export const currentUserQuery = () =>
  queryOptions({
    queryKey: ["session", "user"],
    queryFn: async () => unwrap(await commands.currentUser()),
    staleTime: Infinity,
  });

export async function signIn(email: string, password: string) {
  return unwrap(await commands.signIn(email, password));
}

export async function signOut() {
  return unwrap(await commands.signOut());
}
