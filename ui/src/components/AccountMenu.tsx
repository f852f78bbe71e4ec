import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LogIn, LogOut } from "lucide-react";
import { currentUserQuery, signOut } from "../lib/backend";
import { SignInForm } from "./SignInForm";

/** The signed-in user with a sign-out button, or a sign-in button that opens the form. */
export function AccountMenu() {
  const queryClient = useQueryClient();
  const user = useQuery(currentUserQuery());
  const [signingIn, setSigningIn] = useState(false);
  const out = useMutation({
    mutationFn: signOut,
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
          onClick={() => out.mutate()}
          className="inline-flex items-center gap-1 rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100"
        >
          <LogOut aria-hidden size={16} /> Sign out
        </button>
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
