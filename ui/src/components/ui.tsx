// Small building blocks shared by the pages: buttons, panels, badges, alerts.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { AlertTriangle } from "lucide-react";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const VARIANTS: Record<Variant, string> = {
  primary: "bg-brand-700 text-white hover:bg-brand-800 disabled:bg-brand-700/50",
  secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:opacity-50",
  danger: "bg-red-700 text-white hover:bg-red-800 disabled:opacity-50",
  ghost: "text-slate-600 hover:bg-slate-100 hover:text-slate-900 disabled:opacity-50",
};

export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1.5 rounded-lg px-3.5 py-2 text-sm font-medium whitespace-nowrap disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}
    />
  );
}

export function Panel(props: {
  title?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <section
      data-testid={props.testId}
      className={`rounded-xl border border-slate-200 bg-white shadow-sm ${props.className ?? ""}`}
    >
      {(props.title || props.action) && (
        <header className="flex items-center justify-between border-b border-slate-100 px-5 py-3">
          <h2 className="text-sm font-semibold text-slate-800">{props.title}</h2>
          {props.action}
        </header>
      )}
      <div className="p-5">{props.children}</div>
    </section>
  );
}

export function Badge({ className = "", children }: { className?: string; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ${className}`}
    >
      {children}
    </span>
  );
}

export function ErrorAlert(props: { message: string; children?: ReactNode; testId?: string }) {
  return (
    <div
      role="alert"
      data-testid={props.testId ?? "error-alert"}
      className="flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800"
    >
      <AlertTriangle aria-hidden size={18} className="mt-0.5 shrink-0" />
      <div className="flex flex-1 flex-col gap-2">
        <p>{props.message}</p>
        {props.children && <div className="flex gap-2">{props.children}</div>}
      </div>
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="flex items-center gap-2 text-sm text-slate-500" aria-live="polite">
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-brand-600" />
      {label}
    </p>
  );
}

export const inputClass =
  "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm font-normal text-slate-900 focus:border-brand-600";

/** A table's header row; `numeric` columns are right-aligned, as their cells are, and text
 * columns after the first keep their distance (`pl-4` on their cells too). */
export function TableHead({ columns }: { columns: { label: string; numeric?: boolean }[] }) {
  return (
    <thead className="text-xs uppercase tracking-wide text-slate-500">
      <tr>
        {columns.map((column, index) => (
          <th
            key={column.label}
            className={`py-2 ${column.numeric ? "pl-3 text-right" : index === 0 ? "pr-3" : "pl-4"}`}
          >
            {column.label}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One tab of a page's tab strip (`role="tablist"`), underlined when selected. */
export function Tab(props: { selected: boolean; onSelect: () => void; testId: string; children: ReactNode }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={props.selected}
      data-testid={props.testId}
      onClick={props.onSelect}
      className={`-mb-px border-b-2 px-4 py-2 text-sm font-medium ${
        props.selected ? "border-brand-700 text-brand-800" : "border-transparent text-slate-500 hover:text-slate-800"
      }`}
    >
      {props.children}
    </button>
  );
}

/** A headline figure: its label above, the value large. */
export function Metric({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div data-testid={testId} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-slate-900">{value}</p>
    </div>
  );
}
