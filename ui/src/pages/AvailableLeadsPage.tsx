import { LeadFeed } from "../components/LeadFeed";

export function AvailableLeadsPage() {
  return <LeadFeed />;
}
