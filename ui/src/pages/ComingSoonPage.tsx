import { pageTitle, type PageId } from "../app/Shell";

export function ComingSoonPage({ page }: { page: PageId }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-slate-500">
      <p className="font-medium text-slate-700">{pageTitle(page)}</p>
      <p className="mt-1 text-sm">This part of Leadmart is on its way.</p>
    </div>
  );
}
