/**
 * The key list's filters live in the URL (?state=ACTIVE&state=ROTATING&q=...),
 * so a filtered view can be bookmarked, shared and put on a wall screen.
 * `state` may also be comma-separated (?state=ACTIVE,ROTATING).
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef } from "react";
import { KEY_STATES, isKeyState, type KeyState } from "@/server/domain/lifecycle/key-states";

export interface KeyFilters {
  states: KeyState[];
  q: string;
}

export function parseKeyFilters(params: URLSearchParams | { getAll(name: string): string[]; get(name: string): string | null }): KeyFilters {
  const wanted = new Set(params.getAll("state").flatMap((v) => v.split(",")).map((v) => v.trim().toUpperCase()).filter(isKeyState));
  return { states: KEY_STATES.filter((s) => wanted.has(s)), q: (params.get("q") ?? "").trim() };
}

export function useKeyFilters() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.toString();
  const filters = useMemo(() => parseKeyFilters(new URLSearchParams(search)), [search]);
  // A change asked for but not yet in the URL (navigation takes a server round
  // trip): the next change builds on it, or two quick changes would undo each other.
  const pending = useRef<string | null>(null);
  useEffect(() => {
    if (pending.current === search) pending.current = null;
  }, [search]);

  const setFilters = useCallback(
    (next: Partial<KeyFilters>) => {
      // Not `search` alone: a debounced caller may hold this function from an older render.
      const sp = new URLSearchParams(pending.current ?? (typeof window === "undefined" ? search : window.location.search));
      if (next.states) {
        sp.delete("state");
        for (const s of next.states) sp.append("state", s);
      }
      if (next.q !== undefined) {
        const q = next.q.trim();
        if (q) sp.set("q", q);
        else sp.delete("q");
      }
      const qs = sp.toString();
      pending.current = qs;
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname, search],
  );

  return { filters, setFilters };
}
