/**
 * Applying a simulation tick's delta (console-events.ts: link figures, and
 * the statuses a QBER crossing changed) to the views a browser holds: the
 * mesh state, a link's panel and a node's panel. Pure and
 * browser-safe (the console runs it on every tick instead of refetching), and
 * exact: applied to the state of the previous tick it gives what a refetch
 * would return (mesh-live.int.test.ts checks it against the database).
 */
import type { MeshTickDelta } from "../events/console-events";
import type { LinkSampleView, MeshLinkDetail, MeshLinkView, MeshNodeDetail, MeshStateView } from "./mesh-views";
import { storedHealth } from "./link-physics";

type Figures = MeshTickDelta["links"][number];

function figuresById(d: MeshTickDelta): Map<string, Figures> {
  return new Map(d.links.map((f) => [f[0], f]));
}

/** The link with the tick's figures and status, derived values recomputed as mesh-queries.ts's toLinkView does. */
function withFigures(l: MeshLinkView, f: Figures | undefined): MeshLinkView {
  if (!f) return l;
  const [, qber, rate, poolBits] = f;
  const status = f[4] ?? l.status;
  const secretKeyRateBps = status === "DOWN" ? 0 : rate;
  if (qber === l.qber && secretKeyRateBps === l.secretKeyRateBps && poolBits === l.poolBits && status === l.status) return l; // keep identity: nothing to redraw
  return {
    ...l, status, qber, secretKeyRateBps, poolBits,
    health: storedHealth(status, qber), poolLevel: l.poolCapacityBits > 0 ? poolBits / l.poolCapacityBits : 0,
  };
}

function updateLinks(links: MeshLinkView[], byId: Map<string, Figures>): MeshLinkView[] {
  let changed = false;
  const next = links.map((l) => {
    const n = withFigures(l, byId.get(l.id));
    if (n !== l) changed = true;
    return n;
  });
  return changed ? next : links;
}

export type TickApplied = { kind: "applied"; state: MeshStateView } | { kind: "current" } | { kind: "gap" };

/**
 * The state after the tick: "current" when the state already includes it (a
 * refetch overtook the event), "gap" when a tick was missed (the browser must
 * refetch: a delta carries only what moved in its own tick).
 */
export function applyTickToState(state: MeshStateView, d: MeshTickDelta): TickApplied {
  if (state.simulation.tick >= d.tick) return { kind: "current" };
  if (state.simulation.tick !== d.tick - 1) return { kind: "gap" };
  return {
    kind: "applied",
    state: {
      ...state,
      links: updateLinks(state.links, figuresById(d)),
      simulation: { ...state.simulation, running: true, tick: d.tick, simTime: new Date(d.simTime), lastTickAt: new Date(d.lastTickAt) },
    },
  };
}

/**
 * The state caught up with the recent ticks' deltas (oldest first), as far as
 * they reach without a hole: a state fetched while ticks kept arriving (its
 * answer older than the deltas heard meanwhile) is brought up to date from
 * them instead of being refetched, which on a loaded server would only come
 * back late again. "current" when no delta is newer than the state, "gap"
 * when the deltas do not join the state (a refetch is needed).
 */
export function catchUpState(state: MeshStateView, recent: readonly MeshTickDelta[]): TickApplied {
  let next = state;
  for (const d of recent) {
    const r = applyTickToState(next, d);
    if (r.kind === "gap") return r;
    if (r.kind === "applied") next = r.state;
  }
  return next === state ? { kind: "current" } : { kind: "applied", state: next };
}

/** A link panel after the tick: new figures, and the tick's sample appended to its window of `minutes`. */
export function applyTickToLinkDetail(detail: MeshLinkDetail, d: MeshTickDelta, minutes: number): MeshLinkDetail {
  const f = figuresById(d).get(detail.link.id);
  if (!f) return detail;
  const at = new Date(d.lastTickAt);
  let samples = detail.samples;
  const newest = samples[samples.length - 1];
  if (d.sampled && (!newest || newest.at.getTime() < at.getTime())) {
    const start = at.getTime() - minutes * 60_000;
    const sample: LinkSampleView = { at, qber: f[1], poolBits: f[3], secretKeyRateBps: f[2] };
    samples = [...samples.filter((s) => s.at.getTime() >= start), sample];
  }
  const link = withFigures(detail.link, f);
  return link === detail.link && samples === detail.samples ? detail : { ...detail, link, samples };
}

/** A node panel after the tick: its links' new figures. */
export function applyTickToNodeDetail(detail: MeshNodeDetail, d: MeshTickDelta): MeshNodeDetail {
  const links = updateLinks(detail.links, figuresById(d));
  return links === detail.links ? detail : { ...detail, links };
}
