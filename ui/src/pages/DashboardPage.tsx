import { LeadFeed } from "../components/LeadFeed";

/** Seed 000's home: the lead feed in the centre (stat cards and activity arrive with accounts). */
export function DashboardPage({ onBrowse }: { onBrowse: () => void }) {
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between">
        <h2 className="text-base font-semibold">New leads for you</h2>
        <button
          type="button"
          onClick={onBrowse}
          className="text-sm font-medium text-brand-700 hover:underline"
        >
          Browse all available leads →
        </button>
      </div>
      <LeadFeed limit={6} />
    </div>
  );
}
