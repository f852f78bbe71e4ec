import { useState } from "react";
import type { LeadCard } from "../lib/backend";
import { PreviewDialog } from "./PreviewDialog";

/** Preview / Buy state for a page that lists lead cards. */
export function useLeadPurchase() {
  const [open, setOpen] = useState<{ id: string; confirm: boolean } | null>(null);
  return {
    onPreview: (lead: LeadCard) => setOpen({ id: lead.id, confirm: false }),
    onBuy: (lead: LeadCard) => setOpen({ id: lead.id, confirm: true }),
    dialog: open && (
      <PreviewDialog
        key={open.id}
        leadId={open.id}
        confirm={open.confirm}
        onClose={() => setOpen(null)}
      />
    ),
  };
}
