import type { ReactNode } from "react";
import {
  BarChart3,
  CreditCard,
  HelpCircle,
  LayoutDashboard,
  MessageSquare,
  Settings,
  ShieldCheck,
  Upload,
  Search,
  Users,
  Zap,
  type LucideIcon,
} from "lucide-react";
import { AccountMenu } from "../components/AccountMenu";
import { ConnectionStatus } from "../components/ConnectionStatus";
import { UpdateBanner } from "../components/UpdateBanner";
import { useQuery } from "@tanstack/react-query";
import { currentUserQuery } from "../lib/backend";

export type PageId =
  | "dashboard"
  | "available"
  | "my-leads"
  | "messages"
  | "analytics"
  | "billing"
  | "upload"
  | "settings"
  | "admin"
  | "help";

/** The left navigation of seed 000, in its order. */
export const NAV: ReadonlyArray<{ id: PageId; label: string; icon: LucideIcon }> = [
  { id: "dashboard", label: "Dashboard", icon: LayoutDashboard },
  { id: "available", label: "Available Leads", icon: Zap },
  { id: "my-leads", label: "My Leads", icon: Users },
  { id: "messages", label: "Messages", icon: MessageSquare },
  { id: "analytics", label: "Analytics", icon: BarChart3 },
  { id: "billing", label: "Billing", icon: CreditCard },
  { id: "upload", label: "Upload Leads", icon: Upload },
  { id: "settings", label: "Settings", icon: Settings },
  { id: "admin", label: "Admin console", icon: ShieldCheck },
  { id: "help", label: "Help", icon: HelpCircle },
];

/** The pages `role` sees: partners sell, so only they (and admins) see Upload Leads; only admins
 * see the console. */
export function visiblePages(role: string | undefined) {
  return NAV.filter(
    (item) =>
      (item.id !== "upload" || role === "partner" || role === "admin") && (item.id !== "admin" || role === "admin"),
  );
}

/** The palette's shortcut as this OS writes it. */
const SHORTCUT = navigator.platform.startsWith("Mac") ? "⌘K" : "Ctrl K";

export function pageTitle(page: PageId): string {
  return NAV.find((item) => item.id === page)?.label ?? "";
}

export function Shell(props: {
  page: PageId;
  onNavigate: (page: PageId) => void;
  onSearch: () => void;
  children: ReactNode;
}) {
  const role = useQuery(currentUserQuery()).data?.role;
  const nav = visiblePages(role);
  return (
    <div className="flex h-screen overflow-hidden">
      <nav
        aria-label="Main"
        className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white"
      >
        <div className="flex items-center gap-2 px-5 py-5">
          <span className="grid h-8 w-8 place-items-center rounded-lg bg-brand-700 font-bold text-white">
            L
          </span>
          <span className="text-lg font-semibold tracking-tight">Leadmart</span>
        </div>
        <ul className="flex flex-1 flex-col gap-0.5 px-3">
          {nav.map(({ id, label, icon: Icon }) => {
            const current = props.page === id;
            return (
              <li key={id}>
                <button
                  type="button"
                  data-testid={`nav-${id}`}
                  aria-current={current ? "page" : undefined}
                  onClick={() => props.onNavigate(id)}
                  className={`flex w-full items-center gap-3 rounded-md px-3 py-2 text-left text-sm font-medium ${
                    current
                      ? "bg-brand-50 text-brand-800"
                      : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
                  }`}
                >
                  <Icon aria-hidden size={18} />
                  {label}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-8 py-4">
          <h1 className="shrink-0 text-xl font-semibold whitespace-nowrap">{pageTitle(props.page)}</h1>
          <div className="flex min-w-0 items-center gap-5">
            <button
              type="button"
              data-testid="open-palette"
              onClick={props.onSearch}
              className="flex shrink-0 items-center gap-2 rounded-md border border-slate-200 px-2.5 py-1.5 text-sm whitespace-nowrap text-slate-500 hover:border-slate-300 hover:text-slate-800"
            >
              <Search aria-hidden size={14} />
              Jump to…
              <kbd className="rounded bg-slate-100 px-1.5 text-xs text-slate-500">{SHORTCUT}</kbd>
            </button>
            <ConnectionStatus />
            <AccountMenu />
          </div>
        </header>
        <UpdateBanner />
        <main className="flex-1 overflow-y-auto px-8 py-6">{props.children}</main>
      </div>
    </div>
  );
}
