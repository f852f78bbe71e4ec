// Upload Leads (seed 001 §3.2): drop a CSV on the window or choose one; Rust reads it and
// answers its layout, mapping and first rows; every row is then checked with progress and
// cancel; the partner fixes the mapping, saves the rejected rows, and keeps the file.
import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, CheckCircle2, FileUp, X } from "lucide-react";
import {
  cancelImport,
  checkImport,
  closeImport,
  errorMessage,
  importProblem,
  keepImport,
  myUploadsQuery,
  onFileDragHover,
  onImportProgress,
  pickImportFile,
  saveRejectedRows,
  setImportCategory,
  setImportMapping,
  type FilesDropped,
  type ImportDraft,
  type ImportProgress,
  type ImportSummary,
  type LeadField,
} from "../lib/backend";
import { KNOWN_CATEGORIES, categoryLabel, formatDateTime, plural } from "../lib/format";
import { Badge, Button, ErrorAlert, Panel, inputClass } from "../components/ui";

/** The full check of the open file; `run` numbers the checks so each result is shown fresh. */
type Check = { run: number } & (
  | { state: "idle" }
  | { state: "running"; progress?: ImportProgress }
  | { state: "done"; summary: ImportSummary }
  | { state: "cancelled" }
  | { state: "failed"; message: string }
);

/** A drop Rust reported, numbered so the same outcome twice is still two drops. */
export type Dropped = { outcome: FilesDropped; seq: number };

/**
 * The page for one drop: the app remounts it (keyed by the drop) for each file dropped or chosen
 * anywhere on the window, so its state starts from that drop.
 */
export function UploadPage(props: { dropped: Dropped | null; isPartner: boolean }) {
  const queryClient = useQueryClient();
  const outcome = props.dropped?.outcome;
  const [draft, setDraft] = useState<ImportDraft | null>(outcome?.outcome === "opened" ? outcome.draft : null);
  const [refused, setRefused] = useState<string | null>(outcome?.outcome === "refused" ? outcome.error.message : null);
  const [hovering, setHovering] = useState(false);
  const [check, setCheck] = useState<Check>({ run: 0, state: draft ? "running" : "idle" });
  const [notice, setNotice] = useState<string | null>(null);
  const current = useRef<string | null>(draft?.importId ?? null);
  const runs = useRef(0);

  // Checks every row of the draft as it is now; a newer check replaces an older one.
  const runCheck = useCallback(async (importId: string) => {
    const run = ++runs.current;
    const latest = () => current.current === importId && runs.current === run;
    try {
      const summary = await checkImport(importId);
      if (latest()) setCheck({ run, state: "done", summary });
    } catch (error) {
      if (!latest()) return;
      if (importProblem(error) === "cancelled") setCheck({ run, state: "cancelled" });
      else setCheck({ run, state: "failed", message: errorMessage(error) });
    }
  }, []);

  // The dropped file is checked as soon as it is shown; leaving the page closes it.
  useEffect(() => {
    const opened = current.current;
    if (opened) void runCheck(opened);
    return () => {
      if (current.current) void closeImport(current.current);
    };
  }, [runCheck]);

  useEffect(() => {
    const unlisten = [
      onFileDragHover(({ over }) => setHovering(over)),
      onImportProgress((progress) => {
        if (progress.importId === current.current) {
          setCheck((was) => (was.state === "running" ? { ...was, progress } : was));
        }
      }),
    ];
    return () => {
      for (const stop of unlisten) void stop.then((off) => off());
    };
  }, []);

  // The chosen file arrives like a drop (FilesDropped).
  const choose = async () => {
    try {
      await pickImportFile();
    } catch (error) {
      setRefused(errorMessage(error));
    }
  };

  const change = async (edit: (importId: string) => Promise<ImportDraft>) => {
    if (!draft) return;
    try {
      const next = await edit(draft.importId);
      setDraft(next);
      setCheck({ run: runs.current + 1, state: "running" });
      void runCheck(next.importId);
    } catch (error) {
      setNotice(errorMessage(error));
    }
  };

  const close = () => {
    if (current.current) void closeImport(current.current);
    current.current = null;
    setDraft(null);
    setCheck({ run: runs.current, state: "idle" });
  };

  const kept = (message: string) => {
    current.current = null;
    setDraft(null);
    setCheck({ run: runs.current, state: "idle" });
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: myUploadsQuery().queryKey });
  };

  return (
    <div className="flex flex-col gap-6" data-testid="upload-page">
      <DropZone hovering={hovering} compact={draft !== null} onChoose={choose} />
      {refused && <ErrorAlert message={refused} testId="upload-refused" />}
      {notice && (
        <p
          data-testid="upload-notice"
          className="flex items-center gap-2 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900"
        >
          <CheckCircle2 aria-hidden size={16} />
          {notice}
        </p>
      )}
      {draft && (
        <>
          <FileCard draft={draft} onClose={close} />
          <MappingPanel
            draft={draft}
            onMap={(column, field) => change((id) => setImportMapping(id, column, field))}
            onCategory={(category) => change((id) => setImportCategory(id, category))}
          />
          <PreviewPanel draft={draft} />
          <CheckPanel
            key={`${check.state}-${check.run}`}
            draft={draft}
            check={check}
            onRetry={() => {
              setCheck({ run: runs.current + 1, state: "running" });
              void runCheck(draft.importId);
            }}
            onKept={kept}
          />
        </>
      )}
      {props.isPartner && <UploadsPanel />}
    </div>
  );
}

function DropZone(props: { hovering: boolean; compact: boolean; onChoose: () => void }) {
  return (
    <section
      data-testid="drop-zone"
      data-hovering={props.hovering}
      className={`flex items-center gap-4 rounded-xl border-2 border-dashed px-6 ${props.compact ? "py-4" : "flex-col py-12 text-center"} ${
        props.hovering ? "border-brand-600 bg-brand-50" : "border-slate-300 bg-white"
      }`}
    >
      <FileUp aria-hidden size={props.compact ? 24 : 40} className="text-brand-700" />
      <div className={props.compact ? "flex-1" : ""}>
        <p className="font-medium text-slate-800">
          {props.hovering ? "Drop the file to read it" : "Drop a CSV file of leads anywhere on this window"}
        </p>
        <p className="text-sm text-slate-500">
          Any size, any spreadsheet export: Leadmart reads it on this computer and shows what it found before anything is sent.
        </p>
      </div>
      <Button variant="secondary" data-testid="choose-file" onClick={props.onChoose}>
        Choose file…
      </Button>
    </section>
  );
}

function FileCard(props: { draft: ImportDraft; onClose: () => void }) {
  const { draft } = props;
  return (
    <Panel
      testId="import-file"
      title={
        <span className="flex items-center gap-2">
          <span data-testid="import-file-name">{draft.fileName}</span>
          <span className="font-normal text-slate-500">{draft.fileSize}</span>
        </span>
      }
      action={
        <Button variant="ghost" aria-label="Close this file" data-testid="import-close" onClick={props.onClose}>
          <X aria-hidden size={16} />
        </Button>
      }
    >
      <p className="text-sm text-slate-700" data-testid="import-layout">
        {draft.encoding} · {draft.delimiter}-separated · {draft.header}
      </p>
      {draft.profile && (
        <p className="mt-2 text-sm text-slate-600" data-testid="import-profile">
          Mapping from your profile <strong>“{draft.profile}”</strong> (remembered for files with these columns).
        </p>
      )}
      {draft.repairs.length > 0 && (
        <ul className="mt-3 flex flex-col gap-1 text-sm text-amber-800" data-testid="import-repairs">
          {draft.repairs.map((repair) => (
            <li key={repair} className="flex items-start gap-2">
              <AlertTriangle aria-hidden size={14} className="mt-0.5 shrink-0" />
              Repaired: {repair}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function MappingPanel(props: {
  draft: ImportDraft;
  onMap: (column: number, field: LeadField | null) => void;
  onCategory: (category: string | null) => void;
}) {
  const { draft } = props;
  const sample = draft.preview[0]?.cells ?? [];
  return (
    <Panel title="Columns" testId="import-mapping">
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-2 pr-4 font-medium">Column in the file</th>
            <th className="py-2 pr-4 font-medium">First row</th>
            <th className="py-2 pr-4 font-medium">Lead field</th>
            <th className="py-2 font-medium">
              <span className="sr-only">How sure</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {draft.columns.map((column) => (
            <tr key={column.index} className="border-t border-slate-100" data-testid="mapping-row">
              <td className="py-2 pr-4 font-medium text-slate-800">{column.header}</td>
              <td className="max-w-56 truncate py-2 pr-4 text-slate-600" title={sample[column.index]}>
                {sample[column.index] ?? ""}
              </td>
              <td className="py-2 pr-4">
                <select
                  aria-label={`Lead field for ${column.header}`}
                  data-testid={`mapping-field-${column.index}`}
                  className={inputClass}
                  value={column.field ?? ""}
                  onChange={(e) => props.onMap(column.index, (e.target.value || null) as LeadField | null)}
                >
                  <option value="">Ignore this column</option>
                  {draft.fields.map((choice) => (
                    <option key={choice.field} value={choice.field}>
                      {choice.label}
                    </option>
                  ))}
                </select>
              </td>
              <td className="py-2 text-xs text-slate-500">
                {column.ignoredFor ? (
                  <span className="text-amber-700">Ignored: “{column.ignoredFor}” gives this field</span>
                ) : column.field ? (
                  `${column.confidence}% sure`
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CategoryInput
        key={draft.category ?? ""}
        category={draft.category}
        categoryColumn={draft.categoryColumn}
        onCategory={props.onCategory}
      />
    </Panel>
  );
}

/** The category of rows without one; sent when the partner leaves the field or presses Enter. */
function CategoryInput(props: {
  category: string | null;
  categoryColumn: boolean;
  onCategory: (category: string | null) => void;
}) {
  const [category, setCategory] = useState(props.category ?? "");
  const send = () => {
    if (category !== (props.category ?? "")) props.onCategory(category || null);
  };
  return (
    <label className="mt-4 flex flex-col gap-1 text-sm">
      <span className="font-medium text-slate-800">
        Category {props.categoryColumn ? "(for rows whose category cell is empty)" : "of these leads"}
      </span>
      <input
        data-testid="import-category"
        list="known-categories"
        className={`${inputClass} max-w-sm`}
        placeholder="e.g. real-estate/buy"
        value={category}
        onChange={(e) => setCategory(e.target.value)}
        onBlur={send}
        onKeyDown={(e) => {
          if (e.key === "Enter") send();
        }}
      />
      <datalist id="known-categories">
        {KNOWN_CATEGORIES.map((c) => (
          <option key={c} value={c} aria-label={c} />
        ))}
      </datalist>
    </label>
  );
}

function PreviewPanel(props: { draft: ImportDraft }) {
  const { draft } = props;
  const bad = draft.preview.filter((row) => row.problems.length > 0).length;
  return (
    <Panel
      testId="import-preview"
      title={`First ${plural(draft.preview.length, "row", "rows")}${bad ? ` · ${plural(bad, "has a problem", "have problems")}` : ""}`}
    >
      <div className="max-h-96 overflow-auto">
        <table className="w-full text-left text-xs">
          <thead className="sticky top-0 bg-white text-slate-500">
            <tr>
              <th className="py-1.5 pr-3 font-medium">Line</th>
              {draft.columns.map((column) => (
                <th key={column.index} className="py-1.5 pr-3 font-medium whitespace-nowrap">
                  {column.header}
                </th>
              ))}
              <th className="py-1.5 font-medium">Problems</th>
            </tr>
          </thead>
          <tbody>
            {draft.preview.map((row) => {
              const cellProblem = (index: number) => row.problems.find((p) => p.column === index);
              const rowProblems = row.problems.filter((p) => p.column === null);
              // Every problem in words at the end of the row; cell problems also mark their cell.
              return (
                <tr
                  key={row.line}
                  data-testid="preview-row"
                  data-ok={row.problems.length === 0}
                  className="border-t border-slate-100 align-top"
                >
                  <td className="py-1.5 pr-3 text-slate-400">{row.line}</td>
                  {draft.columns.map((column) => {
                    const problem = cellProblem(column.index);
                    return (
                      <td
                        key={column.index}
                        title={problem?.message}
                        data-problem={problem ? problem.code : undefined}
                        className={`max-w-48 truncate py-1.5 pr-3 ${problem ? "bg-red-50 font-medium text-red-800" : "text-slate-700"}`}
                      >
                        {row.cells[column.index] ?? ""}
                      </td>
                    );
                  })}
                  <td className="py-1.5 text-red-800" data-testid={rowProblems.length > 0 ? "row-problem" : undefined}>
                    {row.problems.map((p) => p.message).join("; ")}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

function etaText(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds < 1) return " · almost done";
  if (seconds < 60) return ` · about ${plural(seconds, "second", "seconds")} left`;
  return ` · about ${plural(Math.ceil(seconds / 60), "minute", "minutes")} left`;
}

function CheckPanel(props: {
  draft: ImportDraft;
  check: Check;
  onRetry: () => void;
  onKept: (message: string) => void;
}) {
  const { draft, check } = props;
  const [profileName, setProfileName] = useState(draft.profile ?? draft.fileName.replace(/\.[^.]+$/, ""));
  const [saved, setSaved] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (check.state === "idle") return null;
  if (check.state === "running") {
    const p = check.progress;
    return (
      <Panel title="Checking every row" testId="import-check">
        <div className="flex items-center gap-4">
          <progress
            aria-label="Rows checked"
            className="h-2 flex-1 overflow-hidden rounded-full accent-brand-600"
            max={100}
            value={p?.percent ?? 0}
          />
          <Button variant="secondary" data-testid="import-cancel" onClick={() => void cancelImport(draft.importId)}>
            Cancel
          </Button>
        </div>
        <p className="mt-2 text-sm text-slate-600" data-testid="import-progress">
          {p
            ? `${plural(p.rows, "row", "rows")} · ${p.bytes} of ${p.totalBytes} · ${p.rowsPerSecond.toLocaleString()} rows/s${etaText(p.etaSeconds ?? null)}`
            : "Starting…"}
        </p>
      </Panel>
    );
  }
  if (check.state === "cancelled" || check.state === "failed") {
    return (
      <Panel title="Checking every row" testId="import-check">
        <p className="text-sm text-slate-700" data-testid="import-check-stopped">
          {check.state === "cancelled" ? "The check was cancelled: nothing was kept." : check.message}
        </p>
        <Button className="mt-3" variant="secondary" onClick={props.onRetry}>
          Check again
        </Button>
      </Panel>
    );
  }
  const { summary } = check;
  const save = async () => {
    setFailure(null);
    try {
      const file = await saveRejectedRows(draft.importId);
      if (file) setSaved(`Saved ${plural(file.rows, "rejected row", "rejected rows")} to ${file.path}`);
    } catch (error) {
      setFailure(errorMessage(error));
    }
  };
  const keep = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const kept = await keepImport(draft.importId, profileName.trim() || null);
      props.onKept(
        `Kept ${plural(kept.accepted, "lead", "leads")} from ${draft.fileName}, waiting to upload. The mapping is remembered as “${kept.profile}”.`,
      );
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title={`Checked ${plural(summary.rows, "row", "rows")}`} testId="import-summary">
      <dl className="grid grid-cols-3 gap-4">
        <Figure label="Will be sent" value={summary.accepted} tone="text-emerald-700" testId="summary-accepted" />
        <Figure label="Rejected" value={summary.rejected} tone="text-red-700" testId="summary-rejected" />
        <Figure label="Of them duplicates" value={summary.duplicates} tone="text-slate-800" testId="summary-duplicates" />
      </dl>
      {summary.reasons.length > 0 && (
        <ul className="mt-4 flex flex-col gap-1 text-sm" data-testid="summary-reasons">
          {summary.reasons.map((reason) => (
            <li key={reason.code} data-code={reason.code} className="flex justify-between border-b border-slate-100 py-1">
              <span className="text-slate-700">{reason.label}</span>
              <span className="font-medium text-slate-900">{plural(reason.rows, "row", "rows")}</span>
            </li>
          ))}
        </ul>
      )}
      {draft.category && (
        <p className="mt-3 text-sm text-slate-700" data-testid="summary-category">
          {draft.categoryColumn ? "Rows with an empty category cell are listed under" : "Listed under"}{" "}
          <span className="font-medium text-slate-900">{categoryLabel(draft.category)}</span>
        </p>
      )}
      {summary.repairs.length > 0 && (
        <p className="mt-3 text-xs text-slate-500">Repaired while reading: {summary.repairs.join("; ")}.</p>
      )}
      {failure && (
        <div className="mt-4">
          <ErrorAlert message={failure} testId="import-failure" />
        </div>
      )}
      {saved && (
        <p className="mt-4 text-sm break-all text-emerald-800" data-testid="rejected-saved">
          {saved}
        </p>
      )}
      <div className="mt-5 flex flex-wrap items-end gap-3">
        {summary.rejected > 0 && (
          <Button variant="secondary" data-testid="save-rejected" onClick={() => void save()}>
            Save rejected rows…
          </Button>
        )}
        <label className="flex flex-col gap-1 text-xs text-slate-600">
          Remember this mapping as
          <input
            data-testid="profile-name"
            className={`${inputClass} w-56`}
            value={profileName}
            onChange={(e) => setProfileName(e.target.value)}
          />
        </label>
        <Button data-testid="keep-import" disabled={busy || summary.accepted === 0} onClick={() => void keep()}>
          Keep {plural(summary.accepted, "lead", "leads")}
        </Button>
      </div>
    </Panel>
  );
}

function Figure(props: { label: string; value: number; tone: string; testId: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-4 py-3">
      <dt className="text-xs text-slate-500">{props.label}</dt>
      <dd className={`text-2xl font-semibold ${props.tone}`} data-testid={props.testId}>
        {props.value.toLocaleString()}
      </dd>
    </div>
  );
}

function UploadsPanel() {
  const uploads = useQuery(myUploadsQuery());
  if (uploads.isError) return <ErrorAlert message={errorMessage(uploads.error)} />;
  const list = uploads.data ?? [];
  return (
    <Panel title="Your uploads" testId="uploads">
      {list.length === 0 ? (
        <p className="text-sm text-slate-500">Files you keep appear here until they are sent to the marketplace.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-2 pr-4 font-medium">File</th>
              <th className="py-2 pr-4 font-medium">Kept</th>
              <th className="py-2 pr-4 text-right font-medium">Rows</th>
              <th className="py-2 pr-4 text-right font-medium">Accepted</th>
              <th className="py-2 pr-4 text-right font-medium">Rejected</th>
              <th className="py-2 font-medium">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((upload) => (
              <tr key={upload.uploadId} className="border-t border-slate-100" data-testid="upload-row">
                <td className="py-2 pr-4 font-medium text-slate-800">{upload.fileName}</td>
                <td className="py-2 pr-4 text-slate-600">{formatDateTime(upload.createdAt)}</td>
                <td className="py-2 pr-4 text-right">{upload.rows.toLocaleString()}</td>
                <td className="py-2 pr-4 text-right text-emerald-700">{upload.accepted.toLocaleString()}</td>
                <td className="py-2 pr-4 text-right text-red-700">{upload.rejected.toLocaleString()}</td>
                <td className="py-2">
                  <Badge className="bg-amber-50 text-amber-800">Waiting to upload</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
