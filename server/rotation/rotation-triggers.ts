/**
 * Triggered rotation (the seed's "triggered" protocol):
 * - QBER above the warning threshold (5%) on a link: every ACTIVE key whose
 *   recorded route (key_routes.link_path) crosses that link rotates;
 * - a node rejoining after being offline (simulation tick) or isolated (the
 *   operator's restore, live event mesh/node-restored): the ACTIVE keys it holds
 *   rotate, since its copies may have been tampered with while it was cut off;
 * - the usage limit is handled in the RECORD_USAGE transaction (key-effects.ts)
 *   and the operator's request by keys.rotate.
 * Crossings to "compromised" (abort) are compromise signals and belong to
 * server/recovery; they are not handled here.
 * Each signal becomes one durable job whose id is derived from the signal, so
 * instances that all hear it (live events reach every instance) queue it once.
 */
import { poolOf } from "../db/client";
import type { EventBus } from "../events/event-bus";
import type { MeshSimulator, TickReport } from "../mesh/simulation/mesh-simulator";
import { isRaceRefusal, ROTATION_ACTOR, ROTATION_QUEUES, type RotationService } from "./rotation-service";
import { mapBounded } from "../background/bounded";

export type RotationTrigger =
  | { kind: "qber-warning"; linkId: string; signal: string }
  | { kind: "node-rejoined"; nodeId: string; signal: string; how: "offline" | "isolated" };

export interface TriggerOutcome {
  reason: string;
  rotated: string[];
}

export class RotationTriggers {
  constructor(
    private readonly rot: RotationService,
    private readonly opts: { parallel?: number; log?: { error(obj: object, msg: string): void } } = {},
  ) {}

  /** Listens to the simulation's ticks and to operator restores; returns a function that stops listening. */
  start(sources: { simulator?: MeshSimulator; events?: EventBus }): () => void {
    const stops: Array<() => void> = [];
    if (sources.simulator) stops.push(sources.simulator.onTick((r) => void this.fromTick(r)));
    if (sources.events) {
      stops.push(sources.events.subscribe(["mesh"], (e) => {
        for (const ev of e.events ?? []) {
          const nodeId = ev.data?.nodeId;
          if (ev.type === "node-restored" && typeof nodeId === "string") {
            void this.fire({ kind: "node-rejoined", nodeId, how: "isolated", signal: `restore:${nodeId}:${e.seq ?? this.rot.now().getTime()}` });
          }
        }
      }));
    }
    return () => stops.forEach((s) => s());
  }

  /** The triggers in one simulation tick (only the leader ticks; the job ids dedupe anyway). */
  async fromTick(r: TickReport): Promise<void> {
    for (const c of r.crossings) {
      if (c.to === "warning") await this.fire({ kind: "qber-warning", linkId: c.linkId, signal: `qber:${c.linkId}:${r.tick}` });
    }
    for (const nodeId of r.rejoined) await this.fire({ kind: "node-rejoined", nodeId, how: "offline", signal: `rejoin:${nodeId}:${r.tick}` });
  }

  /** Queues the trigger as a durable job (once per signal), or handles it here when no queue runs. */
  async fire(t: RotationTrigger): Promise<void> {
    try {
      if (this.rot.queue?.running) await this.rot.queue.send(ROTATION_QUEUES.trigger, t, { dedupeKey: t.signal });
      else await this.handle(t);
    } catch (err) {
      this.opts.log?.error({ trigger: t.kind, error: (err as Error).name }, "rotation trigger failed");
    }
  }

  /** Rotates every ACTIVE key the trigger concerns; keys that moved on meanwhile are skipped. */
  async handle(t: RotationTrigger): Promise<TriggerOutcome> {
    const pool = poolOf(this.rot.db);
    let reason: string;
    let ids: string[];
    if (t.kind === "qber-warning") {
      const { rows: link } = await pool.query<{ qber: number }>("SELECT qber FROM links WHERE id = $1", [t.linkId]);
      const qber = link[0] ? ` (${(link[0].qber * 100).toFixed(1)}%)` : "";
      reason = `QBER warning on link ${t.linkId}${qber}`;
      const { rows } = await pool.query<{ id: string }>(
        `SELECT DISTINCT k.id FROM keys k JOIN key_routes r ON r.key_id = k.id
          WHERE k.state = 'ACTIVE' AND r.link_path @> ARRAY[$1]::text[]`,
        [t.linkId],
      );
      ids = rows.map((r) => r.id);
    } else {
      reason = `node ${t.nodeId} rejoined after being ${t.how === "offline" ? "offline" : "isolated"}; its copies may have been tampered with`;
      const { rows } = await pool.query<{ id: string }>(
        `SELECT k.id FROM keys k JOIN key_participants p ON p.key_id = k.id WHERE k.state = 'ACTIVE' AND p.node_id = $1`,
        [t.nodeId],
      );
      ids = rows.map((r) => r.id);
    }
    const rotated: string[] = [];
    await mapBounded(ids, this.opts.parallel ?? 8, async (id) => {
      try {
        if (this.rot.queue?.running) await this.rot.request(id, reason, ROTATION_ACTOR);
        else await this.rot.rotate(id, reason, ROTATION_ACTOR);
        rotated.push(id);
      } catch (err) {
        if (!isRaceRefusal(err)) throw err;
      }
    });
    return { reason, rotated };
  }
}
