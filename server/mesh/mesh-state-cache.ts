/**
 * The mesh state shared by every viewer of this process. Hundreds of browsers
 * ask for `mesh.state` after the same change (a page load wave, a topology
 * change, a resync after a reconnect); computing it once per change instead of
 * once per viewer is what keeps the server's single thread free. One small
 * query reads what identifies the state (the mesh version, bumped by a trigger
 * on every change of nodes and links; the audit head, which moves with every
 * key change; the simulation tick); the state is recomputed only when that
 * changed, and concurrent callers share one computation.
 * Whether the simulation runs is decided by the same query on PostgreSQL's
 * clock (its last tick less than 10 s ago), so a cached state never says a
 * stopped simulation runs, and no clock is read in this process.
 */
import { poolOf, type Db } from "../db/client";
import { loadMeshState } from "./mesh-queries";
import type { MeshStateView } from "./mesh-views";

/** A simulation whose last tick is older than this is shown as stopped. */
const RUNNING_WITHIN_SECONDS = 10;

interface Entry {
  version: string;
  state: Promise<MeshStateView>;
}

export class MeshStateCache {
  private entry: Entry | null = null;
  /** How many times the state was computed (the cache's test and the bench read it). */
  computed = 0;

  constructor(private readonly db: Db) {}

  async get(): Promise<MeshStateView> {
    const { rows } = await poolOf(this.db).query<{ version: string; running: boolean }>({
      name: "qecnet-mesh-state-version",
      text: `SELECT (SELECT version FROM mesh_version WHERE id = 1)::text || ':' || COALESCE((SELECT seq FROM audit_head WHERE id = 1), 0)::text
               || ':' || COALESCE((SELECT tick FROM simulation_state WHERE id = 1), 0)::text AS version,
             COALESCE((SELECT now() - last_tick_at < make_interval(secs => $1) FROM simulation_state WHERE id = 1), false) AS running`,
      values: [RUNNING_WITHIN_SECONDS],
    });
    const { version, running } = rows[0]!;
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
    return state.simulation.running === running ? state : { ...state, simulation: { ...state.simulation, running } };
  }
}
