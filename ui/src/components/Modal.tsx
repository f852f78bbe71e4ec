import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";
import { X } from "lucide-react";

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: focus moves inside and Tab stays there, Esc closes it, and focus returns to
 * where it was when it closes. (An open <dialog> in an overlay rather than `showModal()`: WebKitGTK's
 * WebDriver cannot drive the top layer.)
 */
export function Modal(props: {
  title: ReactNode;
  label: string;
  onClose: () => void;
  children: ReactNode;
  width?: "md" | "lg" | "xl";
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    return () => opener?.focus?.();
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      props.onClose();
      return;
    }
    if (event.key !== "Tab" || !ref.current) return;
    const items = Array.from(ref.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
  const width = { md: "max-w-lg", lg: "max-w-2xl", xl: "max-w-4xl" }[props.width ?? "lg"];
  return (
    <div className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40 p-6">
      <dialog
        open
        ref={ref}
        aria-modal="true"
        aria-label={props.label}
        data-testid={props.testId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        className={`static m-0 flex max-h-[90vh] w-full ${width} flex-col p-0 overflow-hidden rounded-2xl border border-slate-200 bg-white text-slate-900 shadow-2xl outline-none`}
      >
        <header className="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
          <div className="min-w-0 flex-1">{props.title}</div>
          <button
            type="button"
            onClick={props.onClose}
            aria-label="Close"
            data-testid="modal-close"
            className="rounded-md p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          >
            <X size={20} aria-hidden />
          </button>
        </header>
        <div className="overflow-y-auto px-6 py-5">{props.children}</div>
      </dialog>
    </div>
  );
}
