/**
 * What the console sees of the mesh. Plain JSON-friendly numbers (pool bits are
 * far below 2^53), derived health and rates computed here once, so the browser
 * only draws. Never key material: keys appear as id, label, state, generation.
 */
import type { AuditEntryRecord } from "../audit/types";
import type { LinkHealth } from "./link-physics";
import type { MeshLink, MeshNode } from "./mesh-model";

/** A node as the console sees it: the model plus how many keys it holds. */
export type MeshNodeView = MeshNode & {
  /** Keys this node holds that still have material (GENERATED..RETIRED, not purged). */
  heldKeys: number;
};

/**
 * A link as the console sees it: the model (secretKeyRateBps is the rate at
 * the current QBER, 0 while down) plus what is derived from it once here.
 */
export type MeshLinkView = MeshLink & {
  health: LinkHealth;
  /** Rate at the baseline QBER (the decoy-state model's operating point), bit/s. */
  nominalRateBps: number;
  /** The optimised signal intensity of that operating point, mean photons per pulse (0: no key at this length). */
  signalIntensity: number;
  /** poolBits / poolCapacityBits, 0..1 */
  poolLevel: number;
};

export interface SimulationView {
  running: boolean;
  speed: number;
  tick: number;
  simTime: Date | null;
  lastTickAt: Date | null;
}

export interface MeshStateView {
  hubId: string | null;
  nodes: MeshNodeView[];
  links: MeshLinkView[];
  simulation: SimulationView;
  thresholds: { qberWarning: number; qberAbort: number };
}

export interface MeshKeyRef {
  id: string;
  label: string;
  state: string;
  generation: number;
  /** How this node/link is involved: it holds the key, or the key was relayed through/over it. */
  involvement: "holds" | "relayed";
  confirmed: boolean | null;
  routedAt: Date | null;
}

/** An audit entry about a node or link, with a one-line summary for the panels. */
export type MeshEventView = Pick<AuditEntryRecord, "seq" | "at" | "actor" | "action" | "subjectType" | "subjectId"> & { summary: string | null };

export interface LinkSampleView {
  at: Date;
  qber: number;
  poolBits: number;
  secretKeyRateBps: number;
}

export interface MeshNodeDetail {
  node: MeshNodeView;
  links: MeshLinkView[];
  keys: MeshKeyRef[];
  events: MeshEventView[];
}

export interface MeshLinkDetail {
  link: MeshLinkView;
  samples: LinkSampleView[];
  keys: MeshKeyRef[];
  events: MeshEventView[];
}
