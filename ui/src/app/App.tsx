import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Shell, type PageId } from "./Shell";
import { NavigateContext, type Navigate } from "./navigation";
import { currentUserQuery, onFilesDropped, onNotificationOpened, useLiveUpdates } from "../lib/backend";
import { PreviewDialog } from "../components/PreviewDialog";
import { AvailableLeadsPage } from "../pages/AvailableLeadsPage";
import { BillingPage } from "../pages/BillingPage";
import { DashboardPage } from "../pages/DashboardPage";
import { MyLeadsPage } from "../pages/MyLeadsPage";
import { SettingsPage } from "../pages/SettingsPage";
import { UploadPage, type Dropped } from "../pages/UploadPage";
import { ComingSoonPage } from "../pages/ComingSoonPage";
import { SignInScreen } from "../components/SignInScreen";
import { Loading } from "../components/ui";

/** Pages that only make sense for a signed-in agent. Available Leads stays open to browse. */
const SIGNED_IN_ONLY: ReadonlySet<PageId> = new Set(["my-leads", "billing", "settings", "upload"]);

const BUILT: ReadonlySet<PageId> = new Set(["dashboard", "available", "my-leads", "billing", "settings", "upload"]);

export function App() {
  const [page, setPage] = useState<PageId>("dashboard");
  const [leadId, setLeadId] = useState<string | undefined>();
  const user = useQuery(currentUserQuery());
  const [dropped, setDropped] = useState<Dropped | null>(null);
  useLiveUpdates();
  const navigate: Navigate = (next, lead) => {
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
  // A notification opened: the window is in front already; show its lead's preview over the
  // Available Leads page (a summary opens the dashboard's feed).
  const [notified, setNotified] = useState<{ leadId: string; seq: number } | null>(null);
  useEffect(() => {
    const stop = onNotificationOpened((opened) => {
      setDropped(null);
      setLeadId(undefined);
      const lead = opened.leadId;
      if (lead) {
        setPage("available");
        setNotified((was) => ({ leadId: lead, seq: (was?.seq ?? 0) + 1 }));
      } else {
        setPage("dashboard");
      }
    });
    return () => void stop.then((off) => off());
  }, []);
  const role = user.data?.role;
  const gated = SIGNED_IN_ONLY.has(page) && !user.data;
  return (
    <NavigateContext value={navigate}>
      <Shell page={page} onNavigate={(next) => navigate(next)}>
        {user.isPending && SIGNED_IN_ONLY.has(page) ? (
          <Loading />
        ) : gated ? (
          <SignInScreen reason={page} />
        ) : (
          <>
            {page === "dashboard" && <DashboardPage />}
            {page === "available" && <AvailableLeadsPage />}
            {page === "my-leads" && <MyLeadsPage key={leadId ?? "all"} initialLeadId={leadId} />}
            {page === "billing" && <BillingPage />}
            {page === "settings" && <SettingsPage />}
            {page === "upload" && (
              <UploadPage
                key={dropped?.seq ?? 0}
                dropped={dropped}
                isPartner={role === "partner" || role === "admin"}
              />
            )}
            {!BUILT.has(page) && <ComingSoonPage page={page} />}
          </>
        )}
      </Shell>
      {notified && (
        <PreviewDialog key={notified.seq} leadId={notified.leadId} onClose={() => setNotified(null)} />
      )}
    </NavigateContext>
  );
}
