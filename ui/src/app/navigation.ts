import { createContext, useContext } from "react";
import type { PageId } from "./Shell";

/** Lets any screen move to another page (e.g. "Buy credits" from a failed purchase). */
export type Navigate = (page: PageId, leadId?: string) => void;

export const NavigateContext = createContext<Navigate>(() => undefined);

export function useNavigate() {
  return useContext(NavigateContext);
}
