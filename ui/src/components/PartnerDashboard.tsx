// The partner's home (seed 001 §10): what they uploaded, listed and sold, what it earned, their
// partner score with its breakdown, the upload history and their earnings. Every figure comes
// computed from the server; this only formats.
import { useQuery } from "@tanstack/react-query";
import { Clock, IndianRupee, ShoppingBag, Store, Upload } from "lucide-react";
import {
  partnerDashboardQuery,
  partnerUploadsQuery,
  type PartnerDashboard as Dashboard,
  type PartnerReview,
  type PartnerUpload,
} from "../lib/backend";
import { formatDateTime, formatMoneyWhole, formatPercent, plural } from "../lib/format";
import { useNavigate } from "../app/navigation";
import { StatCard } from "../pages/DashboardPage";
import { PartnerEarnings, partnerLoadError } from "./PartnerEarnings";
import { ScoreBreakdown } from "./PreviewDialog";
import { Badge, Button, ErrorAlert, Loading, Panel, TableHead } from "./ui";

export const PARTNER_REVIEW: Record<PartnerReview, { label: string; hint: string; style: string }> = {
  auto: {
    label: "New partner",
    hint: "Your first leads list without review.",
    style: "bg-sky-100 text-sky-800",
  },
  pending: {
    label: "In review",
    hint: "New leads wait for an admin to approve your account.",
    style: "bg-amber-100 text-amber-800",
  },
  approved: {
    label: "Approved",
    hint: "Your leads list as soon as they are uploaded.",
    style: "bg-emerald-100 text-emerald-800",
  },
  suspended: {
    label: "Suspended",
    hint: "Your leads are off the marketplace and payouts are paused.",
    style: "bg-red-100 text-red-800",
  },
};

function Figures({ dashboard }: { dashboard: Dashboard }) {
  const cards = [
    {
      testId: "partner-uploaded",
      label: "Uploaded",
      value: dashboard.uploaded.toLocaleString(),
      hint: "rows sent in all uploads",
      Icon: Upload,
    },
    {
      testId: "partner-listed",
      label: "Listed",
      value: dashboard.listed.toLocaleString(),
      hint: "leads on the marketplace",
      Icon: Store,
    },
    {
      testId: "partner-sold",
      label: "Sold",
      value: dashboard.sold.toLocaleString(),
      hint: `${formatPercent(dashboard.score.sellThrough)} of listed leads`,
      Icon: ShoppingBag,
    },
    {
      testId: "partner-revenue",
      label: "Revenue",
      value: formatMoneyWhole(dashboard.revenue, dashboard.currency),
      hint: "your commission on sales",
      Icon: IndianRupee,
    },
    {
      testId: "partner-awaiting-review",
      label: "Awaiting review",
      value: dashboard.awaitingReview.toLocaleString(),
      hint: dashboard.awaitingReview === 1 ? "lead waits for an admin" : "leads wait for an admin",
      Icon: Clock,
    },
  ];
  return (
    <div className="grid grid-cols-5 gap-4" data-testid="partner-figures">
      {cards.map(({ Icon, ...card }) => (
        <StatCard key={card.testId} {...card} icon={<Icon aria-hidden size={16} />} />
      ))}
    </div>
  );
}

function PartnerScore({ dashboard }: { dashboard: Dashboard }) {
  const review = PARTNER_REVIEW[dashboard.review];
  const score = dashboard.score;
  return (
    <Panel
      title="Partner score"
      testId="partner-score"
      action={<Badge className={review.style}>{review.label}</Badge>}
    >
      <p className="mb-3 flex items-baseline gap-2">
        <span className="text-3xl font-semibold tracking-tight" data-testid="partner-score-value">
          {score.score}
        </span>
        <span className="text-sm text-slate-500">out of 100</span>
      </p>
      <ScoreBreakdown signals={score.breakdown} score={score.score} />
      <dl className="mt-4 grid grid-cols-[1fr_auto] gap-x-3 gap-y-1 text-sm" data-testid="partner-rates">
        <dt className="text-slate-500">Emails passing verification</dt>
        <dd className="text-right tabular-nums">{formatPercent(score.verificationPassRate)}</dd>
        <dt className="text-slate-500">Duplicate rows</dt>
        <dd className="text-right tabular-nums">{formatPercent(score.duplicateRate)}</dd>
        <dt className="text-slate-500">Listed leads sold</dt>
        <dd className="text-right tabular-nums">{formatPercent(score.sellThrough)}</dd>
      </dl>
      <p className="mt-3 text-xs text-slate-500">{review.hint}</p>
    </Panel>
  );
}

const STATUS: Record<PartnerUpload["status"], { label: string; style: string } | null> = {
  completed: null,
  open: { label: "Uploading", style: "bg-sky-100 text-sky-800" },
  cancelled: { label: "Cancelled", style: "bg-slate-200 text-slate-700" },
};

function UploadRow({ upload, currency }: { upload: PartnerUpload; currency: string }) {
  const status = STATUS[upload.status];
  const counts = upload.counts;
  return (
    <tr data-testid="partner-upload-row" className="border-t border-slate-100">
      <td className="max-w-96 py-2 pr-3">
        <p className="truncate font-medium text-slate-800" title={upload.fileName} data-testid="partner-upload-file">
          {upload.fileName}
        </p>
        <p className="text-xs text-slate-500">
          {formatDateTime(upload.createdAt)} · {plural(upload.rowCount, "row", "rows")}
          {status && (
            <Badge className={`ml-2 ${status.style}`}>{status.label}</Badge>
          )}
        </p>
      </td>
      <td className="text-right tabular-nums" data-testid="partner-upload-accepted">{counts.accepted.toLocaleString()}</td>
      <td className="text-right tabular-nums" data-testid="partner-upload-rejected">{counts.rejected.toLocaleString()}</td>
      <td className="text-right tabular-nums" data-testid="partner-upload-duplicates">{counts.duplicates.toLocaleString()}</td>
      <td className="text-right tabular-nums" data-testid="partner-upload-listed">{counts.listed.toLocaleString()}</td>
      <td className="text-right tabular-nums" data-testid="partner-upload-sold">{upload.sold.toLocaleString()}</td>
      <td className="text-right font-medium tabular-nums" data-testid="partner-upload-earned">
        {formatMoneyWhole(upload.earned, currency)}
      </td>
    </tr>
  );
}

const UPLOAD_COLUMNS = [
  { label: "File" },
  ...["Accepted", "Rejected", "Duplicates", "Listed", "Sold", "Earned"].map((label) => ({ label, numeric: true })),
];

function UploadHistory({ currency }: { currency: string }) {
  const uploads = useQuery(partnerUploadsQuery());
  const navigate = useNavigate();
  return (
    <Panel
      title="Upload history"
      testId="partner-uploads"
      action={
        <Button variant="secondary" onClick={() => navigate("upload")}>
          <Upload aria-hidden size={15} /> Upload leads
        </Button>
      }
    >
      {uploads.isPending && <Loading />}
      {uploads.isError && <ErrorAlert message={partnerLoadError(uploads.error)} />}
      {uploads.data?.length === 0 && (
        <p className="text-sm text-slate-500">Files you upload to the marketplace appear here with what they sold.</p>
      )}
      {uploads.data && uploads.data.length > 0 && (
        <table className="w-full text-left text-sm">
          <TableHead columns={UPLOAD_COLUMNS} />
          <tbody>
            {uploads.data.map((upload) => (
              <UploadRow key={upload.id} upload={upload} currency={currency} />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** The Dashboard page for a partner (instead of the agent's). */
export function PartnerDashboard() {
  const dashboard = useQuery(partnerDashboardQuery());
  return (
    <div className="flex flex-col gap-6" data-testid="partner-dashboard">
      {dashboard.isPending && <Loading />}
      {dashboard.isError && <ErrorAlert message={partnerLoadError(dashboard.error)} />}
      {/* One page, one network: when the dashboard cannot load, one alert says why. */}
      {dashboard.data && (
        <>
          <Figures dashboard={dashboard.data} />
          <div className="grid grid-cols-[1fr_320px] items-start gap-6">
            <PartnerEarnings />
            <PartnerScore dashboard={dashboard.data} />
          </div>
          <UploadHistory currency={dashboard.data.currency} />
        </>
      )}
    </div>
  );
}
