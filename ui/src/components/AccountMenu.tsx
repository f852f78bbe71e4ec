import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LogIn, LogOut } from "lucide-react";
import { currentUserQuery, errorCode, errorMessage, signOut } from "../lib/backend";
import { Button, ErrorAlert } from "./ui";
import { SignInForm } from "./SignInForm";

/** The signed-in user with a sign-out button, or a sign-in button that opens the form. */
export function AccountMenu() {
  const queryClient = useQueryClient();
  const user = useQuery(currentUserQuery());
  const [signingIn, setSigningIn] = useState(false);
  const out = useMutation({
    mutationFn: (evenWithUnsent: boolean) => signOut(evenWithUnsent),
    onSuccess: () => {
      queryClient.setQueryData(currentUserQuery().queryKey, null);
      void queryClient.invalidateQueries();
    },
  });
  if (user.data) {
    return (
      <div className="flex shrink-0 items-center gap-3 text-sm whitespace-nowrap" data-testid="account-menu">
        <span className="text-slate-700" data-testid="signed-in-as">
          {user.data.name || user.data.email}
        </span>
        <button
          type="button"
          data-testid="sign-out"
          onClick={() => out.mutate(false)}
          disabled={out.isPending}
          className="inline-flex items-center gap-1 rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100"
        >
          <LogOut aria-hidden size={16} /> {out.isPending ? "Signing out…" : "Sign out"}
        </button>
        {out.isError && (
          <dialog
            open
            aria-label="Sign out?"
            data-testid="sign-out-warning"
            onKeyDown={(event) => event.key === "Escape" && out.reset()}
            className="fixed inset-0 z-10 m-auto w-[28rem] rounded-xl border border-slate-200 bg-white p-6 whitespace-normal shadow-xl"
          >
            {errorCode(out.error) === "unsent_edits" ? (
              <>
                <h2 className="mb-2 text-lg font-semibold">Sign out with changes not sent?</h2>
                <p className="mb-4 text-sm text-slate-700">{errorMessage(out.error)}</p>
                <div className="flex justify-end gap-2">
                  <Button variant="secondary" autoFocus onClick={() => out.reset()}>
                    Stay signed in
                  </Button>
                  <Button variant="danger" data-testid="sign-out-anyway" onClick={() => out.mutate(true)}>
                    Sign out anyway
                  </Button>
                </div>
              </>
            ) : (
              <>
                <ErrorAlert message={errorMessage(out.error)} />
                <div className="mt-4 flex justify-end">
                  <Button variant="secondary" onClick={() => out.reset()}>Close</Button>
                </div>
              </>
            )}
          </dialog>
        )}
      </div>
    );
  }
  return (
    <>
      <button
        type="button"
        data-testid="open-sign-in"
        onClick={() => setSigningIn(true)}
        className="inline-flex items-center gap-1 rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-800"
      >
        <LogIn aria-hidden size={16} /> Sign in
      </button>
      {signingIn && (
        <dialog
          open
          aria-label="Sign in to Leadmart"
          onKeyDown={(event) => event.key === "Escape" && setSigningIn(false)}
          className="fixed inset-0 z-10 m-auto w-96 rounded-xl border border-slate-200 bg-white p-6 shadow-xl"
        >
          <h2 className="mb-4 text-lg font-semibold">Sign in to Leadmart</h2>
          <SignInForm onDone={() => setSigningIn(false)} />
          <button
            type="button"
            onClick={() => setSigningIn(false)}
            className="mt-3 w-full text-sm text-slate-500 hover:underline"
          >
            Cancel
          </button>
        </dialog>
      )}
    </>
  );
}
