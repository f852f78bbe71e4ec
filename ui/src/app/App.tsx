import { useEffect, useEffectEvent, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Shell, type PageId } from "./Shell";
import { NavigateContext, type Navigate } from "./navigation";
import {
  currentUserQuery,
  onFilesDropped,
  onNotificationOpened,
  onOpenRequested,
  takeOpenRequest,
  useLiveUpdates,
} from "../lib/backend";
import { PreviewDialog } from "../components/PreviewDialog";
import { AvailableLeadsPage } from "../pages/AvailableLeadsPage";
import { BillingPage } from "../pages/BillingPage";
import { DashboardPage } from "../pages/DashboardPage";
import { MyLeadsPage } from "../pages/MyLeadsPage";
import { SettingsPage } from "../pages/SettingsPage";
import { UploadPage, type Dropped } from "../pages/UploadPage";
import { AnalyticsPage } from "../pages/AnalyticsPage";
import { MessagesPage } from "../pages/MessagesPage";
import { HelpPage } from "../pages/HelpPage";
import { AdminPage } from "../pages/AdminPage";
import { PageErrorBoundary } from "../components/PageErrorBoundary";
import { CommandPalette } from "../components/CommandPalette";
import { PartnerDashboard } from "../components/PartnerDashboard";
import { SignInScreen } from "../components/SignInScreen";
import { ErrorAlert, Loading } from "../components/ui";


/** Pages that only make sense for a signed-in agent. Available Leads stays open to browse. */
const SIGNED_IN_ONLY: ReadonlySet<PageId> = new Set(["admin", "my-leads", "messages", "analytics", "billing", "settings", "upload"]);

export function App() {
  const [page, setPage] = useState<PageId>("dashboard");
  const [leadId, setLeadId] = useState<string | undefined>();
  const user = useQuery(currentUserQuery());
  const [dropped, setDropped] = useState<Dropped | null>(null);
  useLiveUpdates();
  const navigate: Navigate = (next, lead) => {
    if (next === "available" && lead) {
      openLead(lead);
      return;
    }
    setLeadId(lead);
    setPage(next);
    // A file shown on the Upload page is closed when the page is left.
    if (next !== "upload") setDropped(null);
  };
  // A file dropped anywhere on the window opens on the Upload page.
  useEffect(() => {
    const stop = onFilesDropped((outcome) => {
      setDropped((was) => ({ outcome, seq: (was?.seq ?? 0) + 1 }));
      setPage("upload");
    });
    return () => void stop.then((off) => off());
  }, []);
  const [palette, setPalette] = useState(false);
  // Ctrl+K (Cmd+K on macOS) anywhere: the command palette.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setPalette(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  // A lead opened from outside the page — a notification, a `leadmart://lead/<id>` link, the
  // palette — shows its preview over Available Leads (a summary notification: the dashboard).
  const [opened, setOpened] = useState<{ leadId: string; seq: number } | null>(null);
  const openLead = (lead: string) => {
    setDropped(null);
    setLeadId(undefined);
    setPage("available");
    setOpened((was) => ({ leadId: lead, seq: (was?.seq ?? 0) + 1 }));
  };
  const openFromOutside = useEffectEvent(openLead);
  const openMineFromOutside = useEffectEvent((lead: string) => navigate("my-leads", lead));
  useEffect(() => {
    const fromLink = () =>
      void takeOpenRequest().then((lead) => {
        if (lead) openFromOutside(lead);
      });
    fromLink();
    const stops = [
      onOpenRequested(fromLink),
      onNotificationOpened(({ opens }) => {
        if (opens.kind === "preview") openFromOutside(opens.leadId);
        else if (opens.kind === "myLead") openMineFromOutside(opens.leadId);
        else if (opens.kind === "billing") setPage("billing");
        else setPage("dashboard");
      }),
    ];
    return () => {
      for (const stop of stops) void stop.then((off) => off());
    };
  }, []);
  const role = user.data?.role;
  const gated = SIGNED_IN_ONLY.has(page) && !user.data;
  return (
    <NavigateContext value={navigate}>
      <Shell page={page} onNavigate={(next) => navigate(next)} onSearch={() => setPalette(true)}>
        {user.isPending && SIGNED_IN_ONLY.has(page) ? (
          <Loading />
        ) : gated ? (
          <SignInScreen reason={page} />
        ) : (
          <PageErrorBoundary key={page}>
            {page === "dashboard" && (role === "partner" ? <PartnerDashboard /> : <DashboardPage />)}
            {page === "available" && <AvailableLeadsPage />}
            {page === "my-leads" && <MyLeadsPage key={leadId ?? "all"} initialLeadId={leadId} />}
            {page === "messages" && <MessagesPage />}
            {page === "analytics" && <AnalyticsPage />}
            {page === "help" && <HelpPage />}
            {page === "admin" &&
              (role === "admin" ? <AdminPage /> : <ErrorAlert message="The admin console is for marketplace admins." />)}
            {page === "billing" && <BillingPage />}
            {page === "settings" && <SettingsPage />}
            {page === "upload" && (
              <UploadPage
                key={dropped?.seq ?? 0}
                dropped={dropped}
                isPartner={role === "partner" || role === "admin"}
              />
            )}
          </PageErrorBoundary>
        )}
      </Shell>
      {palette && <CommandPalette navigate={navigate} onClose={() => setPalette(false)} />}
      {opened && <PreviewDialog key={opened.seq} leadId={opened.leadId} onClose={() => setOpened(null)} />}
    </NavigateContext>
  );
}
