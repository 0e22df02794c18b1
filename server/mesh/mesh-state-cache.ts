/**
 * The mesh state shared by every viewer of this process. Hundreds of browsers
 * ask for `mesh.state` after the same change (a page load wave, a topology
 * change, a resync after a reconnect); computing it once per change instead of
 * once per viewer is what keeps the server's single thread free. One small
 * query reads what identifies the state (the mesh version, bumped by a trigger
 * on every change of nodes and links; the audit head, which moves with every
 * key change; the simulation tick); the state is recomputed only when that
 * changed, and concurrent callers share one computation.
 * Whether the simulation runs is decided per request from the last tick's
 * time read by the same query, on the server's one clock (the simulator
 * stamps its ticks with it), so a cached state never says a stopped
 * simulation runs.
 */
import { poolOf, type Db } from "../db/client";
import { msSince, type Clock } from "../time/clock";
import { loadMeshState } from "./mesh-queries";
import type { MeshStateView } from "../domain/mesh/mesh-views";

/** A simulation whose last tick is older than this is shown as stopped. */
const RUNNING_WITHIN_MS = 10_000;

interface Entry {
  version: string;
  state: Promise<MeshStateView>;
  /** The state with the other value of `simulation.running`, once asked for. */
  flipped?: MeshStateView;
}

export class MeshStateCache {
  private entry: Entry | null = null;
  /** How many times the state was computed (the cache's test and the bench read it). */
  computed = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<MeshStateView> {
    const { rows } = await poolOf(this.db).query<{ version: string; last_tick_at: Date | null }>({
      name: "qecnet-mesh-state-version",
      text: `SELECT (SELECT version FROM mesh_version WHERE id = 1)::text || ':' || COALESCE((SELECT seq FROM audit_head WHERE id = 1), 0)::text
               || ':' || COALESCE((SELECT tick FROM simulation_state WHERE id = 1), 0)::text AS version,
             (SELECT last_tick_at FROM simulation_state WHERE id = 1) AS last_tick_at`,
    });
    const { version, last_tick_at: lastTickAt } = rows[0]!;
    const running = lastTickAt !== null && msSince(this.clock, lastTickAt) < RUNNING_WITHIN_MS;
    let entry = this.entry;
    if (entry?.version !== version) {
      // Read after the version, so the state is at least as new as the version it is filed under.
      entry = { version, state: loadMeshState(this.db) };
      this.computed++;
      this.entry = entry;
      entry.state.catch(() => {
        if (this.entry === entry) this.entry = null;
      });
    }
    const state = await entry.state;
    if (state.simulation.running === running) return state;
    // The other answer is shared too: every viewer of one change gets the same object either way.
    return (entry.flipped ??= { ...state, simulation: { ...state.simulation, running } });
  }
}
