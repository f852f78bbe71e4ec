import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Shell, type PageId } from "./Shell";
import { NavigateContext, type Navigate } from "./navigation";
import { currentUserQuery } from "../lib/backend";
import { AvailableLeadsPage } from "../pages/AvailableLeadsPage";
import { BillingPage } from "../pages/BillingPage";
import { DashboardPage } from "../pages/DashboardPage";
import { MyLeadsPage } from "../pages/MyLeadsPage";
import { SettingsPage } from "../pages/SettingsPage";
import { ComingSoonPage } from "../pages/ComingSoonPage";
import { SignInScreen } from "../components/SignInScreen";
import { Loading } from "../components/ui";

/** Pages that only make sense for a signed-in agent. Available Leads stays open to browse. */
const SIGNED_IN_ONLY: ReadonlySet<PageId> = new Set(["my-leads", "billing", "settings"]);

export function App() {
  const [page, setPage] = useState<PageId>("dashboard");
  const [leadId, setLeadId] = useState<string | undefined>();
  const user = useQuery(currentUserQuery());
  const navigate: Navigate = (next, lead) => {
    setLeadId(lead);
    setPage(next);
  };
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
            {!["dashboard", "available", "my-leads", "billing", "settings"].includes(page) && (
              <ComingSoonPage page={page} />
            )}
          </>
        )}
      </Shell>
    </NavigateContext>
  );
}
