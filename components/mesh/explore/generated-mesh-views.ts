/**
 * A generated mesh (server/domain/mesh/mesh-generator.ts, pure, runs in the
 * browser) in the shape the graph draws: the same views the API returns,
 * derived with the same physics (health, nominal rate), no keys held.
 */
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { linkHealth } from "@/server/domain/mesh/link-physics";
import { operatingPoint } from "@/server/domain/mesh/link-rate";
import { generateMesh } from "@/server/domain/mesh/mesh-generator";

export const EXPLORE_MIN_NODES = 10;
export const EXPLORE_MAX_NODES = 2000;
export const EXPLORE_DEFAULT_NODES = 200;

export interface ExploreParams {
  nodes: number;
  seed: number;
}

/** Out-of-range or malformed query parameters fall back to sane values (clamped, default seed 1). */
export function parseExploreParams(params: URLSearchParams): ExploreParams {
  const n = Number.parseInt(params.get("nodes") ?? "", 10);
  const s = Number.parseInt(params.get("seed") ?? "", 10);
  return {
    nodes: Number.isFinite(n) ? Math.min(EXPLORE_MAX_NODES, Math.max(EXPLORE_MIN_NODES, n)) : EXPLORE_DEFAULT_NODES,
    seed: Number.isFinite(s) && s >= 0 ? s : 1,
  };
}

export function generatedMeshViews({ nodes, seed }: ExploreParams): { nodes: MeshNodeView[]; links: MeshLinkView[] } {
  const mesh = generateMesh(nodes, seed);
  return {
    nodes: [...mesh.nodes.values()].map((n) => ({ ...n, heldKeys: 0 })),
    links: [...mesh.links.values()].map((l) => ({
      ...l,
      health: linkHealth(l.status, l.qber),
      nominalRateBps: operatingPoint(l).rateBps,
      signalIntensity: operatingPoint(l).mu,
      poolLevel: l.poolCapacityBits > 0 ? l.poolBits / l.poolCapacityBits : 0,
    })),
  };
}
