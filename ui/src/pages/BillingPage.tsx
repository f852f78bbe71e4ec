import { useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Coins } from "lucide-react";
import {
  autoRechargeQuery,
  balanceQuery,
  buyCredits,
  creditValueQuery,
  errorMessage,
  packagesQuery,
  setAutoRecharge,
  spendingQuery,
  transactionsQuery,
  useCreditAmount,
  type AutoRechargeDto,
  type CreditAmount,
  type CreditPackageDto,
  type LedgerLine,
} from "../lib/backend";
import {
  formatCreditsShort,
  formatDateTime,
  formatMoneyWhole,
  formatWorth,
  isDebit,
  plural,
} from "../lib/format";
import { Button, ErrorAlert, Loading, Panel, inputClass } from "../components/ui";

function BalanceCard() {
  const balance = useQuery(balanceQuery());
  const value = useQuery(creditValueQuery());
  return (
    <section
      data-testid="balance-card"
      className="flex flex-col justify-between gap-4 rounded-xl bg-gradient-to-br from-brand-700 to-brand-800 p-6 text-white shadow-sm"
    >
      <div className="flex items-center gap-2 text-sm text-brand-100">
        <Coins aria-hidden size={18} /> Current balance
      </div>
      {balance.isPending && <p className="text-brand-100">Loading…</p>}
      {balance.isError && <p>{errorMessage(balance.error)}</p>}
      {balance.data && (
        <div>
          <p className="text-4xl font-semibold tracking-tight" data-testid="balance-credits">
            {formatCreditsShort(balance.data.credits)}
          </p>
          <p className="mt-1 text-brand-100">
            Value {formatMoneyWhole(balance.data.value, balance.data.currency)}
            {value.data && ` · 1 credit = ${formatMoneyWhole(value.data.perCredit, value.data.currency)}`}
          </p>
        </div>
      )}
      <a href="#packages" className="self-start rounded-lg bg-white px-4 py-2 text-sm font-medium text-brand-800 hover:bg-brand-50">
        Buy more credits
      </a>
    </section>
  );
}

function Packages() {
  const packages = useQuery(packagesQuery());
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<CreditPackageDto | null>(null);
  const buy = useMutation({
    mutationFn: (code: string) => buyCredits(code),
    onSuccess: (result) => {
      queryClient.setQueryData(balanceQuery().queryKey, result.balance);
      void queryClient.invalidateQueries({ queryKey: ["credits"] });
      void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      setChosen(null);
    },
  });
  return (
    <Panel title="Credit packages" testId="packages">
      <div id="packages" className="grid grid-cols-4 gap-3">
        {packages.isPending && <Loading />}
        {packages.data?.map((pack) => {
          const saves = pack.savePercent !== "0";
          return (
            <div
              key={pack.code}
              className={`flex flex-col gap-2 rounded-xl border p-4 ${chosen?.code === pack.code ? "border-brand-700 ring-2 ring-brand-600/30" : "border-slate-200"}`}
            >
              <p className="text-lg font-semibold">{formatCreditsShort(pack.credits)}</p>
              <p className="text-2xl font-semibold tracking-tight">{formatMoneyWhole(pack.price, pack.currency)}</p>
              <p className="text-xs text-slate-500">
                {formatMoneyWhole(pack.pricePerCredit, pack.currency)}/credit
              </p>
              {saves ? (
                <span className="self-start rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800">
                  Save {pack.savePercent}%
                </span>
              ) : (
                <span className="text-xs text-slate-400">No bulk discount</span>
              )}
              {chosen?.code === pack.code ? (
                <div className="mt-auto flex gap-2">
                  <Button variant="ghost" onClick={() => setChosen(null)}>Cancel</Button>
                  <Button data-testid={`confirm-package-${pack.code}`} disabled={buy.isPending} onClick={() => buy.mutate(pack.code)}>
                    {buy.isPending ? "Paying…" : `Pay ${formatMoneyWhole(pack.price, pack.currency)}`}
                  </Button>
                </div>
              ) : (
                <Button variant="secondary" className="mt-auto" data-testid={`buy-package-${pack.code}`} onClick={() => setChosen(pack)}>
                  Buy
                </Button>
              )}
            </div>
          );
        })}
      </div>
      {buy.isError && <div className="mt-3"><ErrorAlert message={errorMessage(buy.error)} /></div>}
      {buy.data && (
        <p className="mt-3 text-sm text-emerald-700" aria-live="polite">
          {buy.data.status === "settled"
            ? `Added ${formatCreditsShort(buy.data.credits)} to your balance.`
            : "Finish paying in the checkout page; the credits arrive when the payment settles."}
        </p>
      )}
    </Panel>
  );
}

function Transactions() {
  const lines = useInfiniteQuery(transactionsQuery());
  const all = lines.data?.pages.flatMap((page) => page.lines) ?? [];
  return (
    <Panel title="Recent transactions" testId="transactions">
      {lines.isPending && <Loading />}
      {lines.isError && <ErrorAlert message={errorMessage(lines.error)} />}
      {lines.data && all.length === 0 && <p className="text-sm text-slate-500">No transactions yet.</p>}
      {all.length > 0 && (
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="py-2">Date</th>
              <th>Description</th>
              <th className="text-right">Credits</th>
              <th className="text-right">Amount</th>
              <th className="text-right">Balance</th>
            </tr>
          </thead>
          <tbody>
            {all.map((line) => (
              <TransactionRow key={line.id} line={line} />
            ))}
          </tbody>
        </table>
      )}
      {lines.hasNextPage && (
        <Button variant="ghost" className="mt-2" onClick={() => lines.fetchNextPage()}>
          Older transactions
        </Button>
      )}
    </Panel>
  );
}

function TransactionRow({ line }: { line: LedgerLine }) {
  const worth = formatWorth(useCreditAmount(line.credits));
  const out = isDebit(line.credits);
  return (
    <tr className="border-t border-slate-100">
      <td className="py-2 whitespace-nowrap text-slate-500">{formatDateTime(line.at)}</td>
      <td>{line.description}</td>
      <td className={`text-right tabular-nums ${out ? "text-slate-800" : "text-emerald-700"}`}>
        {out ? "" : "+"}
        {line.credits}
      </td>
      <td className="text-right tabular-nums text-slate-600">{worth ?? "—"}</td>
      <td className="text-right tabular-nums text-slate-500">{line.balanceAfter}</td>
    </tr>
  );
}

/** `₹4,500`, or credits when the credit value is unknown. */
function worthOrCredits(amount: CreditAmount): string {
  return formatWorth(amount) ?? formatCreditsShort(amount.credits);
}

/** Bar chart of credits spent per month, with this month, last month and the average (all from Rust). */
function Spending() {
  const spending = useQuery(spendingQuery(6));
  const summary = spending.data;
  return (
    <Panel title="Monthly spending" testId="spending">
      {spending.isPending && <Loading />}
      {spending.isError && <ErrorAlert message={errorMessage(spending.error)} />}
      {summary && (
        <div className="flex flex-col gap-4">
          <dl className="grid grid-cols-3 gap-3 text-sm">
            <div><dt className="text-slate-500">This month</dt><dd className="text-lg font-semibold" data-testid="spending-this-month">{worthOrCredits(summary.thisMonth)}</dd></div>
            <div><dt className="text-slate-500">Last month</dt><dd className="text-lg font-semibold">{worthOrCredits(summary.lastMonth)}</dd></div>
            <div><dt className="text-slate-500">Average</dt><dd className="text-lg font-semibold">{worthOrCredits(summary.average)}</dd></div>
          </dl>
          <figure className="flex h-36 items-end gap-3" aria-label="Credits spent per month">
            {summary.months.map((m) => (
              <div key={m.month} className="flex h-full flex-1 flex-col items-center gap-1">
                <div className="flex w-full flex-1 items-end">
                  <div
                    className="w-full rounded-t-md bg-brand-600"
                    style={{ height: `max(2px, ${m.barPercent}%)` }}
                    title={`${m.month}: ${formatCreditsShort(m.net.credits)}, ${plural(m.leadsBought, "lead", "leads")}`}
                  />
                </div>
                <span className="text-xs text-slate-500">
                  {new Date(`${m.month}-01T00:00:00Z`).toLocaleString(undefined, { month: "short", timeZone: "UTC" })}
                </span>
              </div>
            ))}
          </figure>
        </div>
      )}
    </Panel>
  );
}

function AutoRecharge() {
  const rule = useQuery(autoRechargeQuery());
  const packages = useQuery(packagesQuery());
  if (rule.isPending || packages.isPending) return <Panel title="Auto-recharge"><Loading /></Panel>;
  if (rule.isError) return <Panel title="Auto-recharge"><ErrorAlert message={errorMessage(rule.error)} /></Panel>;
  return <AutoRechargeForm initial={rule.data} packages={packages.data ?? []} />;
}

function AutoRechargeForm({ initial, packages }: { initial: AutoRechargeDto; packages: CreditPackageDto[] }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const save = useMutation({
    mutationFn: (rule: AutoRechargeDto) => setAutoRecharge(rule),
    onSuccess: (saved) => {
      setDraft(saved);
      void queryClient.invalidateQueries({ queryKey: ["credits"] });
    },
  });
  return (
    <Panel title="Auto-recharge" testId="auto-recharge">
      <form
        className="flex flex-col gap-3 text-sm"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(draft);
        }}
      >
        <label className="inline-flex items-center gap-2 font-medium">
          <input
            type="checkbox"
            data-testid="auto-recharge-enabled"
            className="h-4 w-4 accent-brand-700"
            checked={draft.enabled}
            onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
          />
          Recharge automatically
        </label>
        <label className="flex items-center gap-2">
          When balance drops below
          <input
            inputMode="decimal"
            className={`${inputClass} w-20`}
            value={draft.below}
            onChange={(e) => setDraft({ ...draft, below: e.target.value })}
          />
          credits
        </label>
        <label className="flex items-center gap-2">
          buy
          <select
            className={inputClass}
            value={draft.packageCode}
            onChange={(e) => setDraft({ ...draft, packageCode: e.target.value })}
          >
            {packages.map((p) => (
              <option key={p.code} value={p.code}>
                {formatCreditsShort(p.credits)} for {formatMoneyWhole(p.price, p.currency)}
              </option>
            ))}
          </select>
        </label>
        {save.isError && <ErrorAlert message={errorMessage(save.error)} />}
        <Button type="submit" className="self-start" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save auto-recharge"}
        </Button>
        {save.isSuccess && <p className="text-emerald-700" aria-live="polite">Saved.</p>}
      </form>
    </Panel>
  );
}

export function BillingPage() {
  return (
    <div className="flex flex-col gap-6">
      <div className="grid grid-cols-[360px_1fr] gap-6">
        <BalanceCard />
        <Spending />
      </div>
      <Packages />
      <div className="grid grid-cols-[1fr_360px] gap-6">
        <Transactions />
        <AutoRecharge />
      </div>
    </div>
  );
}
