// The only door from the UI to Rust: wraps the generated bindings, turns their result unions into
// thrown, typed errors, and exposes TanStack Query options. No other module imports bindings or
// @tauri-apps/*.
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import {
  commands,
  type AgentPreferencesDto_Deserialize,
  type AppError,
  type AutoRechargeDto,
  type BrowseFilters_Deserialize,
  type ContactChannel,
  type PipelineStage,
  type RefundReason,
} from "../../bindings";

export type {
  ActivityItem_Serialize as ActivityItem,
  AgentPreferencesDto_Serialize as AgentPreferences,
  AppError,
  AutoRechargeDto,
  BrowsePage_Serialize as BrowsePage,
  Connection,
  ContactChannel,
  CreditBalance,
  CreditPackageDto,
  CreditValueDto,
  DashboardStats_Serialize as DashboardStats,
  Exclusivity,
  LeadCard,
  LeadPreviewDto_Serialize as LeadPreview,
  LedgerLine,
  MarketplaceFeed,
  MeDto,
  MonthlySpend,
  PipelineStage,
  PurchasedLead_Serialize as PurchasedLead,
  RefundReason,
  ServiceAreaDto_Serialize as ServiceArea,
  SortOrder,
  Urgency,
} from "../../bindings";

export type BrowseFilters = BrowseFilters_Deserialize;

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

/** The API's own code (`insufficient_credits`, …) when the API refused, else the app's code. */
export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof BackendError)) return undefined;
  return error.detail.code === "server" ? error.detail.apiCode : error.detail.code;
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

// ---- Marketplace --------------------------------------------------------------------------

export const browseQuery = (filters: BrowseFilters) =>
  infiniteQueryOptions({
    queryKey: ["marketplace", "browse", filters],
    queryFn: async ({ pageParam }) =>
      unwrap(await commands.browseMarketplace({ ...filters, cursor: pageParam })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });

export const previewQuery = (leadId: string) =>
  queryOptions({
    queryKey: ["marketplace", "preview", leadId],
    queryFn: async () => unwrap(await commands.previewLead(leadId)),
    staleTime: 60_000,
  });

export async function purchaseLead(leadId: string) {
  return unwrap(await commands.purchaseLead(leadId));
}

// ---- My leads -----------------------------------------------------------------------------

export const myLeadsQuery = () =>
  queryOptions({
    queryKey: ["my-leads", "list"],
    queryFn: async () => unwrap(await commands.myLeads()),
  });

export const myLeadQuery = (leadId: string) =>
  queryOptions({
    queryKey: ["my-leads", "detail", leadId],
    queryFn: async () => unwrap(await commands.myLead(leadId)),
  });

export async function changeLeadStage(
  leadId: string,
  stage: PipelineStage,
  dealValue: string | null,
) {
  return unwrap(await commands.changeLeadStage(leadId, stage, dealValue));
}

export async function addLeadNote(leadId: string, body: string) {
  return unwrap(await commands.addLeadNote(leadId, body));
}

export async function requestRefund(leadId: string, reason: RefundReason, note: string) {
  return unwrap(await commands.requestRefund(leadId, reason, note));
}

export async function openContact(leadId: string, channel: ContactChannel) {
  return unwrap(await commands.openContact(leadId, channel));
}

// ---- Credits ------------------------------------------------------------------------------

export const balanceQuery = () =>
  queryOptions({
    queryKey: ["credits", "balance"],
    queryFn: async () => unwrap(await commands.creditBalance()),
  });

export const packagesQuery = () =>
  queryOptions({
    queryKey: ["credits", "packages"],
    queryFn: async () => unwrap(await commands.creditPackages()),
    staleTime: Infinity,
  });

export const creditValueQuery = () =>
  queryOptions({
    queryKey: ["credits", "value"],
    queryFn: async () => unwrap(await commands.creditValue()),
    staleTime: Infinity,
  });

export const transactionsQuery = () =>
  infiniteQueryOptions({
    queryKey: ["credits", "transactions"],
    queryFn: async ({ pageParam }) => unwrap(await commands.creditTransactions(pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });

export const spendingQuery = (months: number) =>
  queryOptions({
    queryKey: ["credits", "spending", months],
    queryFn: async () => unwrap(await commands.monthlySpending(months)),
  });

export const autoRechargeQuery = () =>
  queryOptions({
    queryKey: ["credits", "auto-recharge"],
    queryFn: async () => unwrap(await commands.getAutoRecharge()),
  });

export async function buyCredits(packageCode: string) {
  return unwrap(await commands.buyCredits(packageCode));
}

export async function setAutoRecharge(rule: AutoRechargeDto) {
  return unwrap(await commands.setAutoRecharge(rule));
}

// ---- Dashboard and settings ---------------------------------------------------------------

export const dashboardQuery = () =>
  queryOptions({
    queryKey: ["dashboard"],
    queryFn: async () => unwrap(await commands.dashboardStats()),
    refetchInterval: FEED_REFRESH_MS,
  });

export const preferencesQuery = () =>
  queryOptions({
    queryKey: ["preferences"],
    queryFn: async () => unwrap(await commands.getPreferences()),
  });

export async function updatePreferences(preferences: AgentPreferencesDto_Deserialize) {
  return unwrap(await commands.updatePreferences(preferences));
}
