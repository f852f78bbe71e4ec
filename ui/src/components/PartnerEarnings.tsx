// The partner's earnings (seed 001 §8): commission by stage, when held money becomes payable,
// the latest sales, payouts, and "Request payout". The server computes every amount and decides
// whether a payout is due; this only formats.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Wallet } from "lucide-react";
import {
  errorCode,
  errorMessage,
  partnerEarningsQuery,
  requestPayout,
  type CommissionDto,
  type PartnerEarnings as Earnings,
  type Payout,
} from "../lib/backend";
import { formatDateTime, formatMoney, formatPercent } from "../lib/format";
import { Badge, Button, ErrorAlert, Loading, Panel, TableHead } from "./ui";

function Figure(props: { label: string; amount: string; currency: string; hint: string; testId: string }) {
  return (
    <div data-testid={props.testId} className="flex flex-col gap-1 rounded-lg bg-slate-50 p-3">
      <span className="text-xs font-medium text-slate-500">{props.label}</span>
      <span className="text-lg font-semibold tabular-nums" data-testid={`${props.testId}-value`}>
        {formatMoney(props.amount, props.currency)}
      </span>
      <span className="text-xs text-slate-500">{props.hint}</span>
    </div>
  );
}

/** Why a partner page could not load: offline, it says so (nothing of it is kept on this
 * computer), else the app's message. */
export function partnerLoadError(error: unknown): string {
  if (errorCode(error) === "offline") {
    return "You are offline. Your earnings and uploads show again as soon as the marketplace answers.";
  }
  return errorMessage(error);
}

/** Why a payout request failed, in words, from the server's code. */
function payoutError(error: unknown, earnings: Earnings): string {
  switch (errorCode(error)) {
    case "payout_below_minimum":
      return `Payouts start at ${formatMoney(earnings.minimumPayout, earnings.currency)} payable; your payable balance is below that.`;
    case "payouts_not_configured":
      return "Payouts are not set up on this marketplace yet. Your payable balance is kept until they are.";
    case "partner_suspended":
      return "Your account is suspended: payouts are paused until an admin lifts the suspension.";
    case "payment_provider_unavailable":
      return "The payout provider could not be reached; nothing was paid. Please try again later.";
    default:
      return errorMessage(error);
  }
}

function PayoutAction({ earnings }: { earnings: Earnings }) {
  const queryClient = useQueryClient();
  const payout = useMutation({
    mutationFn: requestPayout,
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["partner"] }),
  });
  const minimum = formatMoney(earnings.minimumPayout, earnings.currency);
  return (
    <div className="flex flex-col items-end gap-1" data-testid="payout-action">
      <Button
        data-testid="request-payout"
        disabled={!earnings.payoutDue || payout.isPending}
        onClick={() => payout.mutate()}
      >
        <Wallet aria-hidden size={15} /> {payout.isPending ? "Requesting…" : "Request payout"}
      </Button>
      {!earnings.payoutDue && (
        <p className="text-xs text-slate-500" data-testid="payout-disabled-reason">
          You can request a payout once {minimum} is payable.
        </p>
      )}
      {payout.isSuccess && (
        <output className="text-xs text-emerald-700" data-testid="payout-done">
          Payout of {formatMoney(payout.data.amount, payout.data.currency)} sent.
        </output>
      )}
      {payout.isError && (
        <div className="max-w-xs">
          <ErrorAlert testId="payout-error" message={payoutError(payout.error, earnings)} />
        </div>
      )}
    </div>
  );
}

const COMMISSION_STATUS: Record<CommissionDto["status"], { label: string; style: string }> = {
  held: { label: "Held back", style: "bg-amber-100 text-amber-800" },
  payable: { label: "Payable", style: "bg-emerald-100 text-emerald-800" },
  paid: { label: "Paid", style: "bg-slate-200 text-slate-700" },
  reversed: { label: "Refunded", style: "bg-red-100 text-red-800" },
};

const SALE_COLUMNS = [
  { label: "Sold" },
  { label: "Sale", numeric: true },
  { label: "Rate", numeric: true },
  { label: "Commission", numeric: true },
  { label: "Status" },
];

const BONUS_LABELS: Record<CommissionDto["bonuses"][number], string> = {
  fresh_sale: "sold soon after upload",
  high_verification: "high verification pass rate",
  volume: "upload volume",
};

/** The rate's tooltip: which bonuses raised it above the base rate. */
function bonusesText(bonuses: CommissionDto["bonuses"]): string {
  if (bonuses.length === 0) return "Base rate";
  return `Base rate plus bonuses for ${bonuses.map((bonus) => BONUS_LABELS[bonus]).join(", ")}`;
}

function Sales({ commissions, currency }: { commissions: CommissionDto[]; currency: string }) {
  if (commissions.length === 0) {
    return <p className="text-sm text-slate-500">No sales yet. Your commission on each sale shows up here.</p>;
  }
  return (
    <table className="w-full text-left text-sm" data-testid="partner-sales">
      <TableHead columns={SALE_COLUMNS} />
      <tbody>
        {commissions.map((sale) => {
          const status = COMMISSION_STATUS[sale.status];
          return (
            <tr key={`${sale.leadId}-${sale.soldAt}`} className="border-t border-slate-100" data-testid="partner-sale-row">
              <td className="py-2">{formatDateTime(sale.soldAt)}</td>
              <td className="text-right tabular-nums">{formatMoney(sale.saleValue, currency)}</td>
              <td className="text-right tabular-nums" title={bonusesText(sale.bonuses)}>
                {formatPercent(sale.rate)}
              </td>
              <td className="text-right font-medium tabular-nums">{formatMoney(sale.amount, currency)}</td>
              <td className="pl-4">
                <Badge className={status.style}>{status.label}</Badge>
                {sale.status === "held" && (
                  <span className="block text-xs text-slate-500">until {formatDateTime(sale.payableAt)}</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Payouts({ payouts }: { payouts: Payout[] }) {
  if (payouts.length === 0) {
    return <p className="text-sm text-slate-500">No payouts yet.</p>;
  }
  return (
    <ul className="flex flex-col gap-2 text-sm" data-testid="partner-payouts">
      {payouts.map((payout) => (
        <li key={payout.id} className="flex items-center justify-between" data-testid="partner-payout-row">
          <span className="text-slate-600">{formatDateTime(payout.requestedAt)}</span>
          <span className="font-medium tabular-nums">{formatMoney(payout.amount, payout.currency)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The four stages of a commission, as the server sums them. */
const STAGES = [
  { field: "pending", testId: "earnings-pending", label: "Pending", hint: "buyers may still ask for a refund" },
  { field: "held", testId: "earnings-held", label: "Held back", hint: "pending included; paid after the holdback" },
  { field: "payable", testId: "earnings-payable", label: "Payable", hint: "ready to pay out" },
  { field: "paid", testId: "earnings-paid", label: "Paid out", hint: "sent to you so far" },
] as const;

/** Earnings: pending / held back / payable / paid, the next release, sales and payouts. */
export function PartnerEarnings() {
  const earnings = useQuery(partnerEarningsQuery());
  const data = earnings.data;
  return (
    <Panel title="Earnings" testId="partner-earnings" action={data && <PayoutAction earnings={data} />}>
      {earnings.isPending && <Loading />}
      {earnings.isError && <ErrorAlert message={partnerLoadError(earnings.error)} />}
      {data && (
        <div className="flex flex-col gap-5">
          <div className="grid grid-cols-4 gap-3">
            {STAGES.map((stage) => (
              <Figure
                key={stage.testId}
                testId={stage.testId}
                label={stage.label}
                amount={data[stage.field]}
                currency={data.currency}
                hint={stage.hint}
              />
            ))}
          </div>
          <p className="text-sm text-slate-600" data-testid="earnings-next-release">
            {data.nextReleaseAt
              ? `Next release of held money: ${formatDateTime(data.nextReleaseAt)}.`
              : "Nothing is held back right now."}
          </p>
          <div>
            <h3 className="mb-2 text-sm font-semibold text-slate-700">Latest sales</h3>
            <Sales commissions={data.commissions} currency={data.currency} />
          </div>
          <div>
            <h3 className="mb-2 text-sm font-semibold text-slate-700">Payouts</h3>
            <Payouts payouts={data.payouts} />
          </div>
        </div>
      )}
    </Panel>
  );
}
