// Partner management: every partner with what they uploaded, listed and sold, their partner
// score and its breakdown, and approve / suspend / unsuspend (suspending asks first: their
// listed leads leave the marketplace). Figures come computed from the server.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  adminPartnersQuery,
  decidePartner,
  errorMessage,
  type AdminPartner,
  type PartnerAction,
} from "../../lib/backend";
import { formatPercent, plural } from "../../lib/format";
import { PARTNER_REVIEW } from "../../components/PartnerDashboard";
import { ScoreBreakdown } from "../../components/PreviewDialog";
import { Badge, Button, ErrorAlert, Loading, Panel } from "../../components/ui";

const ACTION_LABELS: Record<PartnerAction, string> = {
  approve: "Approve",
  suspend: "Suspend",
  unsuspend: "Unsuspend",
};

export function PartnersTab({ onShowLeads }: { onShowLeads: (partnerId: string) => void }) {
  const partners = useQuery(adminPartnersQuery());
  if (partners.isPending) return <Loading label="Reading the partners…" />;
  if (partners.isError) return <ErrorAlert message={errorMessage(partners.error)} />;
  if (partners.data.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No partners have signed up yet.</p>
      </Panel>
    );
  }
  return (
    <ul className="flex flex-col gap-4" data-testid="admin-partners-list">
      {partners.data.map((partner) => (
        <PartnerCard key={partner.id} partner={partner} onShowLeads={() => onShowLeads(partner.id)} />
      ))}
    </ul>
  );
}

function PartnerCard({ partner, onShowLeads }: { partner: AdminPartner; onShowLeads: () => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const decide = useMutation({
    mutationFn: (action: PartnerAction) => decidePartner(partner.id, action),
    onSuccess: () => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
    },
  });
  const review = PARTNER_REVIEW[partner.review];
  const actions: PartnerAction[] =
    partner.review === "suspended" ? ["unsuspend"] : partner.review === "approved" ? ["suspend"] : ["approve", "suspend"];
  const score = partner.score;
  return (
    <li data-testid="admin-partner" data-partner-id={partner.id} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <header className="mb-3 flex items-start justify-between gap-4">
        <div className="min-w-0">
          <h2 className="truncate font-semibold text-slate-900">{partner.name}</h2>
          <p className="truncate text-xs text-slate-500">{partner.email}</p>
        </div>
        <Badge className={review.style}>
          <span data-testid="admin-partner-review">{review.label}</span>
        </Badge>
      </header>
      <div className="grid grid-cols-[1fr_1fr] gap-6 text-sm">
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2">
          {[
            ["Uploaded", partner.uploaded.toLocaleString()],
            ["Listed", partner.listed.toLocaleString()],
            ["Awaiting review", partner.awaitingReview.toLocaleString()],
            ["Sold", partner.sold.toLocaleString()],
            ["Emails verified", formatPercent(score.verificationPassRate)],
            ["Duplicates", formatPercent(score.duplicateRate)],
            ["Sell-through", formatPercent(score.sellThrough)],
          ].map(([label, value]) => (
            <div key={label}>
              <dt className="text-xs font-medium text-slate-500">{label}</dt>
              <dd className="font-semibold text-slate-900 tabular-nums">{value}</dd>
            </div>
          ))}
        </dl>
        <div>
          <h3 className="mb-1 text-xs font-semibold text-slate-500 uppercase">Partner score</h3>
          <ScoreBreakdown signals={score.breakdown} score={score.score} />
        </div>
      </div>
      <footer className="mt-4 flex flex-wrap items-center gap-2">
        <Button variant="ghost" data-testid="admin-partner-leads" onClick={onShowLeads}>
          See their leads
        </Button>
        <span className="flex-1" />
        {confirming ? (
          <>
            <span className="text-sm text-slate-700" role="alert">
              Suspend {partner.name}? {plural(partner.listed, "listed lead leaves", "listed leads leave")} the
              marketplace, and uploads and payouts stop until you unsuspend them.
            </span>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={decide.isPending}>
              Keep them
            </Button>
            <Button variant="danger" data-testid="admin-partner-confirm-suspend" disabled={decide.isPending} onClick={() => decide.mutate("suspend")}>
              Suspend
            </Button>
          </>
        ) : (
          actions.map((action) => (
            <Button
              key={action}
              variant={action === "suspend" ? "secondary" : "primary"}
              data-testid={`admin-partner-${action}`}
              disabled={decide.isPending}
              onClick={() => (action === "suspend" ? setConfirming(true) : decide.mutate(action))}
            >
              {ACTION_LABELS[action]}
            </Button>
          ))
        )}
      </footer>
      {decide.isError && (
        <div className="mt-2">
          <ErrorAlert message={errorMessage(decide.error)} />
        </div>
      )}
    </li>
  );
}
