import { useState } from "react";
import { Shell, type PageId } from "./Shell";
import { AvailableLeadsPage } from "../pages/AvailableLeadsPage";
import { DashboardPage } from "../pages/DashboardPage";
import { ComingSoonPage } from "../pages/ComingSoonPage";

export function App() {
  const [page, setPage] = useState<PageId>("dashboard");
  return (
    <Shell page={page} onNavigate={setPage}>
      {page === "dashboard" && <DashboardPage onBrowse={() => setPage("available")} />}
      {page === "available" && <AvailableLeadsPage />}
      {page !== "dashboard" && page !== "available" && <ComingSoonPage page={page} />}
    </Shell>
  );
}
