// The only door from the UI to Rust: wraps the generated bindings, turns their result unions into
// thrown, typed errors, and exposes TanStack Query options. No other module imports bindings or
// @tauri-apps/*.
import { useEffect } from "react";
import {
  infiniteQueryOptions,
  keepPreviousData,
  queryOptions,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from "@tanstack/react-query";
import {
  commands,
  events,
  type AgentPreferencesDto_Deserialize,
  type ApiErrorCode,
  type AppError,
  type CreditAmount_Serialize,
  type AutoRechargeDto,
  type BriefcaseQuery_Deserialize,
  type DateRange_Deserialize,
  type ExportFormat,
  type BrowseFilters_Deserialize,
  type BrowsePage_Serialize,
  type ContactChannel,
  type ContactOutcome,
  type InventoryFilter_Deserialize,
  type ListingAction,
  type PartnerAction,
  type EventPayload,
  type FileDragHover,
  type FilesDropped_Serialize,
  type ImportProblem,
  type ImportProgress_Serialize,
  type LeadField,
  type NotificationOpened,
  type PipelineStage,
  type RefundReason,
  type SyncStatus_Serialize,
  type TemplateKind,
  type DraftMessage,
  type UpdateStatus_Serialize,
} from "../../bindings";

export type {
  ActivityItem_Serialize as ActivityItem,
  AnalyticsView_Serialize as AnalyticsView,
  SegmentRow_Serialize as SegmentRow,
  Span,
  SpeedToLead,
  AgentPreferencesDto_Serialize as AgentPreferences,
  ApiErrorCode,
  AppError,
  OutboxEntry_Serialize as OutboxEntry,
  CacheReset,
  ExportFormat,
  SearchHit_Serialize as SearchHit,
  TextRun,
  AutoRechargeDto,
  BrowsePage_Serialize as BrowsePage,
  Connection,
  ContactChannel,
  ContactDto,
  ContactOutcome,
  DraftMessage,
  AdminOverviewDto as AdminOverview,
  AdminRefundDto_Serialize as AdminRefund,
  AuditAction,
  AuditEntryDto as AuditEntry,
  AdminPartnerDto as AdminPartner,
  PartnerAction,
  InventoryFilter_Deserialize as InventoryFilter,
  InventoryLead_Serialize as InventoryLead,
  InventoryPage_Serialize as InventoryPage,
  InventoryStatus,
  ListingAction,
  ListingChanged,
  ListingHold,
  MessageTemplate,
  TemplateKind,
  TemplatesView,
  TemplateVariable,
  CreditBalance,
  CreditPackageDto,
  CreditAmount_Serialize as CreditAmount,
  CreditValueDto,
  CurrencyOutcome_Serialize as CurrencyOutcome,
  DashboardStats_Serialize as DashboardStats,
  DashboardView_Serialize as DashboardView,
  Exclusivity,
  FilesDropped_Serialize as FilesDropped,
  ImportDraft_Serialize as ImportDraft,
  ImportProblem,
  ImportProgress_Serialize as ImportProgress,
  ImportSummary,
  KeptUpload,
  LeadCard,
  LeadField,
  LeadPreviewDto_Serialize as LeadPreview,
  LedgerLine,
  MarketplaceFeed,
  MeDto,
  CommissionDto,
  PartnerDashboard,
  PartnerEarnings_Serialize as PartnerEarnings,
  PartnerReview,
  PayoutDto_Serialize as Payout,
  PipelineStage,
  PurchasedLead_Serialize as PurchasedLead,
  PurchaseQuote_Serialize as PurchaseQuote,
  RefundGuard,
  RefundReason,
  SavedFile,
  ScoreSignal,
  ServiceAreaDto_Serialize as ServiceArea,
  SortOrder,
  SpendingMonth_Serialize as SpendingMonth,
  SpendingSummary_Serialize as SpendingSummary,
  UpdateStatus_Serialize as UpdateStatus,
  UploadDto_Serialize as PartnerUpload,
  UploadView_Serialize as UploadView,
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

/** What went wrong, as a code the UI may switch on: the API's own (`insufficient_credits`, …) or
 * the app's (`offline`, …). A union of literals, so a misspelt code does not compile. */
export type ErrorCode = ApiErrorCode | Exclude<AppError["code"], "server">;

/** The API's own code when the API refused, else the app's code. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (!(error instanceof BackendError)) return undefined;
  return error.detail.code === "server" ? error.detail.apiCode : error.detail.code;
}

export const marketplaceFeedQuery = () =>
  queryOptions({
    queryKey: ["marketplace", "feed"],
    queryFn: async () => unwrap(await commands.loadMarketplaceFeed()),
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

/** Signs out; fails with `unsent_edits` while edits only this computer has wait, unless
 * `evenWithUnsent` (the agent was asked). */
export async function signOut(evenWithUnsent: boolean) {
  return unwrap(await commands.signOut(evenWithUnsent));
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

/** The purchased leads on this computer matching `query`, best first; works offline. */
export const briefcaseSearchQuery = (query: BriefcaseQuery_Deserialize) =>
  queryOptions({
    queryKey: ["my-leads", "search", query],
    queryFn: async () => unwrap(await commands.searchMyLeads(query)),
    placeholderData: keepPreviousData,
  });

/** Writes the leads in `leadIds` (all when `null`) as CSV or vCards to a file the agent picks. */
export async function exportMyLeads(format: ExportFormat, leadIds: string[] | null) {
  return unwrap(await commands.exportMyLeads(format, leadIds));
}

/** Writes the Analytics page's funnel and tables for `range` as CSV to a file the agent picks. */
export async function exportAnalytics(range: DateRange_Deserialize) {
  return unwrap(await commands.exportAnalytics(range));
}

/** The agent has read that their offline copy was set aside and downloaded again. */
export async function dismissCacheReset() {
  return unwrap(await commands.dismissCacheReset());
}

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

/** Sends an edit the marketplace refused once more (it goes to the end of the outbox). */
export async function retrySyncEdit(seq: number) {
  return unwrap(await commands.retrySyncEdit(seq));
}

/** Drops an edit the marketplace refused. */
export async function discardSyncEdit(seq: number) {
  return unwrap(await commands.discardSyncEdit(seq));
}

export async function requestRefund(leadId: string, reason: RefundReason, note: string) {
  return unwrap(await commands.requestRefund(leadId, reason, note));
}

export async function openContact(leadId: string, channel: ContactChannel) {
  return unwrap(await commands.openContact(leadId, channel));
}

/** Says what came of the attempt logged at `attemptAt`. */
export async function markContactOutcome(leadId: string, attemptAt: string, outcome: ContactOutcome) {
  return unwrap(await commands.markContactOutcome(leadId, attemptAt, outcome));
}

// ---- Messages -----------------------------------------------------------------------------

export const messageTemplatesQuery = () =>
  queryOptions({
    queryKey: ["messages", "templates"],
    queryFn: async () => unwrap(await commands.messageTemplates()),
  });

export async function saveMessageTemplate(kind: TemplateKind, subject: string, body: string) {
  return unwrap(await commands.saveMessageTemplate(kind, subject, body));
}

/** Back to the stock words of template `kind`. */
export async function resetMessageTemplate(kind: TemplateKind) {
  return unwrap(await commands.resetMessageTemplate(kind));
}

/** Template `kind` filled for the bought lead `leadId`, for the agent to read and change. */
export async function draftMessage(leadId: string, kind: TemplateKind) {
  return unwrap(await commands.draftMessage(leadId, kind));
}

/** Opens the message in the mail client, WhatsApp or the SMS app and logs it on the lead. */
export async function sendMessage(leadId: string, channel: ContactChannel, message: DraftMessage) {
  return unwrap(await commands.sendMessage(leadId, channel, message));
}

// ---- Admin console ------------------------------------------------------------------------

export const adminOverviewQuery = (days: number) =>
  queryOptions({
    queryKey: ["admin", "overview", days],
    queryFn: async () => unwrap(await commands.adminOverview(days)),
  });

export const refundQueueQuery = () =>
  queryOptions({
    queryKey: ["admin", "refunds"],
    queryFn: async () => unwrap(await commands.adminRefundQueue()),
  });

export const auditLogQuery = () =>
  queryOptions({
    queryKey: ["admin", "audit"],
    queryFn: async () => unwrap(await commands.auditLog()),
  });

export const inventoryQuery = (filter: InventoryFilter_Deserialize) =>
  queryOptions({
    queryKey: ["admin", "inventory", filter],
    queryFn: async () => unwrap(await commands.adminInventory(filter)),
    placeholderData: keepPreviousData,
  });

/** Takes leads off the marketplace, or puts back leads an admin took off. */
export async function changeListing(action: ListingAction, leadIds: string[]) {
  return unwrap(await commands.changeListing(action, leadIds));
}

export const adminPartnersQuery = () =>
  queryOptions({
    queryKey: ["admin", "partners"],
    queryFn: async () => unwrap(await commands.adminPartners()),
  });

export async function decidePartner(partnerId: string, action: PartnerAction) {
  return unwrap(await commands.decidePartner(partnerId, action));
}

/** Approves (credits back to the buyer) or denies a refund request. */
export async function decideRefund(refundId: string, approve: boolean, note: string | null) {
  return unwrap(await commands.decideRefund(refundId, approve, note));
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

/**
 * `credits` with their money worth, computed in Rust at the server's credit value; `undefined`
 * while loading or when the value is unknown. The UI formats it, never multiplies.
 */
export function useCreditAmount(credits: string | null | undefined): CreditAmount_Serialize | undefined {
  const value = useQuery(creditValueQuery());
  const amount = useQuery({
    queryKey: ["credits", "amount", credits, value.data ?? null],
    queryFn: async () => unwrap(await commands.creditAmount(credits ?? "0", value.data ?? null)),
    enabled: credits != null && credits !== "" && value.isSuccess,
    staleTime: Infinity,
    retry: false,
  });
  return amount.data;
}

/** The purchase confirmation's price and balance before and after, computed in Rust. */
export const purchaseQuoteQuery = (
  balance: string,
  price: string,
  value: { currency: string; perCredit: string } | null,
) =>
  queryOptions({
    queryKey: ["credits", "quote", balance, price, value],
    queryFn: async () => unwrap(await commands.purchaseQuote(balance, price, value)),
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
  });

/** The Analytics page for leads bought in `range`, computed in Rust from the briefcase. */
export const analyticsQuery = (range: DateRange_Deserialize) =>
  queryOptions({
    queryKey: ["my-leads", "analytics", range],
    queryFn: async () => unwrap(await commands.analyticsReport(range)),
    placeholderData: keepPreviousData,
  });

export const preferencesQuery = () =>
  queryOptions({
    queryKey: ["preferences"],
    queryFn: async () => unwrap(await commands.getPreferences()),
  });

export async function updatePreferences(preferences: AgentPreferencesDto_Deserialize) {
  return unwrap(await commands.updatePreferences(preferences));
}

// ---- CSV import (partners) ----------------------------------------------------------------

/** "Choose file…": the OS's open dialog in Rust; the file then arrives as a drop does
 * ({@link onFilesDropped}). Resolves to whether a file was chosen. */
export async function pickImportFile() {
  return unwrap(await commands.pickImportFile());
}

export async function setImportMapping(importId: string, column: number, field: LeadField | null) {
  return unwrap(await commands.setImportMapping(importId, column, field));
}

export async function setImportCategory(importId: string, category: string | null) {
  return unwrap(await commands.setImportCategory(importId, category));
}

/** Checks every row; progress arrives through {@link onImportProgress}. */
export async function checkImport(importId: string) {
  return unwrap(await commands.checkImport(importId));
}

export async function cancelImport(importId: string) {
  return unwrap(await commands.cancelImport(importId));
}

/** Writes the rejected rows (the save dialog in Rust); `null` when cancelled. */
export async function saveRejectedRows(importId: string) {
  return unwrap(await commands.saveRejectedRows(importId));
}

export async function keepImport(importId: string, profileName: string | null) {
  return unwrap(await commands.keepImport(importId, profileName));
}

export async function closeImport(importId: string) {
  return unwrap(await commands.closeImport(importId));
}

export const myUploadsQuery = () =>
  queryOptions({
    queryKey: ["uploads"],
    queryFn: async () => unwrap(await commands.myUploads()),
  });

// ---- Partner dashboard and earnings -------------------------------------------------------

export const partnerDashboardQuery = () =>
  queryOptions({
    queryKey: ["partner", "dashboard"],
    queryFn: async () => unwrap(await commands.partnerDashboard()),
  });

/** The uploads the server holds (what became of their rows), newest first. */
export const partnerUploadsQuery = () =>
  queryOptions({
    queryKey: ["partner", "uploads"],
    queryFn: async () => unwrap(await commands.partnerUploads()),
  });

export const partnerEarningsQuery = () =>
  queryOptions({
    queryKey: ["partner", "earnings"],
    queryFn: async () => unwrap(await commands.partnerEarnings()),
  });

/** Pays out the whole payable balance (refused below the minimum: `payout_below_minimum`). */
export async function requestPayout() {
  return unwrap(await commands.requestPayout());
}

/** Subscribes to one of Rust's events; resolves to the function that unsubscribes. */
type Listen<T> = (handler: (payload: T) => void) => Promise<() => void>;

function listener<T>(source: { listen: (cb: (event: { payload: T }) => void) => Promise<() => void> }): Listen<T> {
  return (handler) => source.listen((event) => handler(event.payload));
}

export const onImportProgress: Listen<ImportProgress_Serialize> = listener(events.importProgressEvent);
export const onFilesDropped: Listen<FilesDropped_Serialize> = listener(events.filesDropped);
export const onFileDragHover: Listen<FileDragHover> = listener(events.fileDragHover);
export const onUpdateStatus: Listen<UpdateStatus_Serialize> = listener(events.updateStatus);
/** A `leadmart://lead/<id>` link was opened: {@link takeOpenRequest} says which lead. */
export const onOpenRequested: Listen<null> = listener(events.openRequested);

export const launchAtLoginQuery = () =>
  queryOptions({
    queryKey: ["desktop", "launch-at-login"],
    queryFn: async () => unwrap(await commands.launchAtLogin()),
  });

export async function setLaunchAtLogin(on: boolean) {
  return unwrap(await commands.setLaunchAtLogin(on));
}

/** The lead a link asked for, once; `null` when none is waiting. */
export async function takeOpenRequest(): Promise<string | null> {
  return commands.takeOpenRequest();
}

export async function updateStatus(): Promise<UpdateStatus_Serialize> {
  return commands.updateStatus();
}

/** "Restart now": installs the verified update and restarts (resolves only on failure). */
export async function restartToUpdate() {
  return unwrap(await commands.restartToUpdate());
}

// ---- Briefcase sync -------------------------------------------------------------------------

const syncStatusKey = ["sync", "status"] as const;

/**
 * What the briefcase sync is doing (syncing with progress, offline since, paused) and when it
 * last finished, kept current by Rust's `SyncStatusChanged`. A finished run that brought
 * changes makes My Leads, the balance and the statement read the cache again.
 */
export function useSyncStatus() {
  const client = useQueryClient();
  useEffect(() => {
    let wasOffline = false;
    const stop = listener<SyncStatus_Serialize>(events.syncStatusChanged)((status) => {
      client.setQueryData(syncStatusKey, status);
      // Back from offline: the feed's "offline" is stale too.
      if (wasOffline && status.phase.state !== "offline") {
        void client.invalidateQueries({ queryKey: ["marketplace"] });
      }
      wasOffline = status.phase.state === "offline";
      if (status.phase.state === "idle" && status.lastRunReceived > 0) {
        void client.invalidateQueries({ queryKey: ["my-leads"] });
        void client.invalidateQueries({ queryKey: ["credits"] });
      }
    });
    return () => void stop.then((unlisten) => unlisten());
  }, [client]);
  return useQuery({ queryKey: syncStatusKey, queryFn: () => commands.syncStatus(), staleTime: Infinity }).data;
}

/** Stops a long sync after its current page; nothing syncs until {@link resumeSync}. */
export async function pauseSync() {
  await commands.pauseSync();
}

export async function resumeSync() {
  await commands.resumeSync();
}

// ---- Live events ----------------------------------------------------------------------------

const onLiveUpdate: Listen<EventPayload> = listener(events.liveUpdate);

/** The agent opened a native notification: the lead to preview (`null`: a summary). */
export const onNotificationOpened: Listen<NotificationOpened> = listener(events.notificationOpened);

/** Takes a lead that is no longer for sale out of every cached feed and browse page at once. */
function dropLead(client: QueryClient, leadId: string) {
  client.setQueryData(marketplaceFeedQuery().queryKey, (feed) =>
    feed ? { ...feed, leads: feed.leads.filter((lead) => lead.id !== leadId) } : feed,
  );
  client.setQueriesData<InfiniteData<BrowsePage_Serialize>>({ queryKey: ["marketplace", "browse"] }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({ ...page, leads: page.leads.filter((lead) => lead.id !== leadId) })),
        }
      : data,
  );
}

/** What each live event makes stale. Invalidation refetches only what is on screen. */
function applyLiveUpdate(client: QueryClient, event: EventPayload) {
  const stale = (...keys: string[][]) => {
    for (const queryKey of keys) void client.invalidateQueries({ queryKey });
  };
  switch (event.kind) {
    case "lead.matched":
      stale(["marketplace", "feed"], ["marketplace", "browse"], ["dashboard"]);
      break;
    case "lead.sold_out":
      dropLead(client, event.leadId);
      stale(["marketplace", "feed"], ["marketplace", "browse"], ["dashboard"]);
      break;
    case "lead.purchased":
      stale(["marketplace", "feed"], ["marketplace", "browse"], ["my-leads"], ["dashboard"], ["credits"]);
      break;
    case "refund.decided":
      stale(["my-leads"], ["dashboard"], ["credits"]);
      break;
    case "credits.changed":
    case "credits.low":
      stale(["credits"], ["dashboard"]);
      break;
  }
}

/** Keeps the feed, stats, balance and activity current from Rust's live events (no polling).
 * Mounted once, at the top of the app. */
export function useLiveUpdates() {
  const client = useQueryClient();
  useEffect(() => {
    const stop = onLiveUpdate((event) => applyLiveUpdate(client, event));
    return () => void stop.then((off) => off());
  }, [client]);
}

/** A thrown error's import problem, when it is one. */
export function importProblem(error: unknown): ImportProblem | undefined {
  return error instanceof BackendError && error.detail.code === "import" ? error.detail.problem : undefined;
}
