"use client";
/**
 * What the side panel shows lives in the URL (?node=<id>, ?link=<id>,
 * ?add=link&from=<id>), so it survives a reload and can be shared or put on a
 * wall screen. Other query parameters (the explore page's nodes and seed) stay.
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

export type PanelState =
  | { kind: "node"; id: string }
  | { kind: "link"; id: string }
  | { kind: "add-link"; from: string | null }
  | null;

const PANEL_PARAMS = ["node", "link", "add", "from"];

export function parsePanelState(params: URLSearchParams): PanelState {
  const node = params.get("node");
  if (node) return { kind: "node", id: node };
  const link = params.get("link");
  if (link) return { kind: "link", id: link };
  if (params.get("add") === "link") return { kind: "add-link", from: params.get("from") };
  return null;
}

export function useMeshSelection() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const search = params.toString();
  const panel = useMemo(() => parsePanelState(new URLSearchParams(search)), [search]);

  const show = useCallback(
    (next: PanelState) => {
      const sp = new URLSearchParams(search);
      for (const p of PANEL_PARAMS) sp.delete(p);
      if (next?.kind === "node") sp.set("node", next.id);
      if (next?.kind === "link") sp.set("link", next.id);
      if (next?.kind === "add-link") {
        sp.set("add", "link");
        if (next.from) sp.set("from", next.from);
      }
      const qs = sp.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname, search],
  );

  const select = useCallback((kind: "node" | "link", id: string) => show({ kind, id }), [show]);
  const close = useCallback(() => show(null), [show]);
  return { panel, show, select, close };
}
