import { ShieldCheck } from "lucide-react";
import { SignInForm } from "./SignInForm";

const WHY: Record<string, string> = {
  "my-leads": "Sign in to see the leads you bought, with their contact details.",
  messages: "Sign in to write to the leads you bought, with your templates.",
  analytics: "Sign in to see how your leads turn into deals.",
  billing: "Sign in to see your credits, spending and invoices.",
  settings: "Sign in to set your service areas, budget and notifications.",
  dashboard: "Sign in to see your stats, spending and recent activity.",
};

/** The sign-in card shown in place of a page that needs an agent account. */
export function SignInScreen({ reason, compact }: { reason: string; compact?: boolean }) {
  return (
    <section
      data-testid="sign-in-screen"
      className={`mx-auto flex w-full max-w-md flex-col gap-4 rounded-2xl border border-slate-200 bg-white p-8 shadow-sm ${compact ? "" : "mt-12"}`}
    >
      <div className="flex items-center gap-3">
        <span className="grid h-10 w-10 place-items-center rounded-xl bg-brand-50 text-brand-700">
          <ShieldCheck aria-hidden size={22} />
        </span>
        <div>
          <h2 className="text-lg font-semibold">Sign in to Leadmart</h2>
          <p className="text-sm text-slate-500">{WHY[reason] ?? "Sign in to continue."}</p>
        </div>
      </div>
      <SignInForm />
    </section>
  );
}
