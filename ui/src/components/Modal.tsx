import { useEffect, useRef, type ReactNode } from "react";
import { X } from "lucide-react";

/**
 * A modal dialog on the native <dialog>: focus moves inside and is trapped, Esc closes it, and
 * focus returns to where it was when it closes.
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
  const { onClose } = props;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      opener?.focus?.();
    };
  }, []);
  const width = { md: "max-w-lg", lg: "max-w-2xl", xl: "max-w-4xl" }[props.width ?? "lg"];
  return (
    <dialog
      ref={ref}
      aria-label={props.label}
      data-testid={props.testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      className={`m-auto max-h-[90vh] w-full ${width} overflow-hidden rounded-2xl border border-slate-200 bg-white p-0 text-slate-900 shadow-2xl backdrop:bg-slate-900/40`}
    >
      <div className="flex max-h-[90vh] flex-col">
        <header className="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
          <div className="min-w-0 flex-1">{props.title}</div>
          <button
            type="button"
            onClick={onClose}
            aria-label="Close"
            data-testid="modal-close"
            className="rounded-md p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
          >
            <X size={20} aria-hidden />
          </button>
        </header>
        <div className="overflow-y-auto px-6 py-5">{props.children}</div>
      </div>
    </dialog>
  );
}
