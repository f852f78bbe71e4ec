import { useEffect, useState } from "react";
import { Download, ShieldAlert } from "lucide-react";
import { errorMessage, onUpdateStatus, restartToUpdate, updateStatus, type UpdateStatus } from "../lib/backend";
import { Button } from "./ui";

/** "Leadmart X is ready — Restart now / Later": an update is installed only when asked. */
export function UpdateBanner() {
  const [status, setStatus] = useState<UpdateStatus>({ state: "none" });
  const [later, setLater] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    // The event may have been sent before this component listened: ask once as well.
    void updateStatus().then(setStatus);
    const stop = onUpdateStatus(setStatus);
    return () => void stop.then((off) => off());
  }, []);
  if (status.state === "none" || later) return null;
  const ready = status.state === "ready";
  const restart = async () => {
    setFailure(null);
    try {
      await restartToUpdate();
    } catch (error) {
      setFailure(errorMessage(error));
    }
  };
  const Icon = ready ? Download : ShieldAlert;
  return (
    <output
      data-testid="update-banner"
      data-state={status.state}
      className={`flex items-center gap-3 border-b px-8 py-2.5 text-sm ${
        ready ? "border-brand-100 bg-brand-50 text-brand-800" : "border-amber-200 bg-amber-50 text-amber-900"
      }`}
    >
      <Icon aria-hidden size={16} />
      <span className="flex-1">
        {ready
          ? `Leadmart ${status.version} is ready to install.${status.notes ? ` ${status.notes}` : ""}`
          : `An update to Leadmart ${status.version} was found. ${status.message}`}
        {failure && <span className="ml-2 text-red-700">{failure}</span>}
      </span>
      {ready && (
        <Button data-testid="update-restart" onClick={() => void restart()}>
          Restart now
        </Button>
      )}
      <Button variant="secondary" data-testid="update-later" onClick={() => setLater(true)}>
        {ready ? "Later" : "Dismiss"}
      </Button>
    </output>
  );
}
