/**
 * The audit page's filters in the URL: ?action=KEY_REVOKED&subject=<id>&seq=<n>.
 * `seq` opens the log at that entry (it and older ones) and highlights it.
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

export interface AuditFilters {
  action: string;
  subject: string;
  seq: bigint | null;
}

function parseSeq(raw: string | null): bigint | null {
  if (!raw || !/^\d{1,19}$/.test(raw)) return null;
  const n = BigInt(raw);
  return n > 0n ? n : null;
}

export function useAuditFilters() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.toString();

  const filters = useMemo<AuditFilters>(() => {
    const sp = new URLSearchParams(search);
    return { action: (sp.get("action") ?? "").trim(), subject: (sp.get("subject") ?? "").trim(), seq: parseSeq(sp.get("seq")) };
  }, [search]);

  const setFilters = useCallback(
    (next: Partial<AuditFilters>) => {
      const sp = new URLSearchParams(search);
      for (const [name, value] of Object.entries(next)) {
        const text = value === null || value === undefined ? "" : String(value).trim();
        if (text) sp.set(name, text);
        else sp.delete(name);
      }
      const qs = sp.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname, search],
  );

  return { filters, setFilters };
}
