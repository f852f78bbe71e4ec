import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorMessage, launchAtLoginQuery, setLaunchAtLogin } from "../lib/backend";
import { ErrorAlert, Panel } from "./ui";

/** This computer's settings (not the account's): whether Leadmart opens at login. */
export function DesktopSettings() {
  const queryClient = useQueryClient();
  const enabled = useQuery(launchAtLoginQuery());
  const change = useMutation({
    mutationFn: setLaunchAtLogin,
    onSuccess: (now) => queryClient.setQueryData(launchAtLoginQuery().queryKey, now),
  });
  return (
    <Panel title="This computer" testId="desktop-settings">
      <label className="flex items-start gap-3 text-sm font-medium text-slate-800">
        <input
          type="checkbox"
          data-testid="launch-at-login"
          aria-describedby="launch-at-login-why"
          className="mt-0.5 accent-brand-700"
          checked={enabled.data ?? false}
          disabled={enabled.data === undefined || change.isPending}
          onChange={(e) => change.mutate(e.target.checked)}
        />
        Open Leadmart when I sign in to this computer
      </label>
      <p id="launch-at-login-why" className="mt-0.5 pl-7 text-sm text-slate-500">
        So new-lead alerts reach you from the start of the day.
      </p>
      {(enabled.isError || change.isError) && (
        <div className="mt-3">
          <ErrorAlert message={errorMessage(enabled.error ?? change.error)} />
        </div>
      )}
    </Panel>
  );
}
