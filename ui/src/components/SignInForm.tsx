import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { BackendError, currentUserQuery, errorMessage, signIn } from "../lib/backend";

/** Email + password sign-in. Errors say what to do; the password is never kept after submit. */
export function SignInForm({ onDone }: { onDone?: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const mutation = useMutation({
    mutationFn: () => signIn(email.trim(), password),
    onSuccess: (user) => {
      setPassword("");
      queryClient.setQueryData(currentUserQuery().queryKey, user);
      void queryClient.invalidateQueries();
      onDone?.();
    },
  });
  const offline = mutation.error instanceof BackendError && mutation.error.detail.code === "offline";
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-4" aria-label="Sign in" noValidate>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Email
        <input
          data-testid="sign-in-email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          className="rounded-md border border-slate-300 px-3 py-2 font-normal"
        />
      </label>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Password
        <input
          data-testid="sign-in-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          className="rounded-md border border-slate-300 px-3 py-2 font-normal"
        />
      </label>
      {mutation.isError && (
        <p role="alert" data-testid="sign-in-error" className="text-sm text-red-700">
          {offline
            ? "Can't reach the marketplace. Check your connection and try again."
            : errorMessage(mutation.error)}
        </p>
      )}
      <button
        type="submit"
        data-testid="sign-in-submit"
        disabled={mutation.isPending || !email || !password}
        className="rounded-md bg-brand-700 px-4 py-2 font-medium text-white hover:bg-brand-800 disabled:opacity-50"
      >
        {mutation.isPending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
