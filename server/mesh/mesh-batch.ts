/**
 * The mesh's part of a batch (server/commit/batch-part.ts): when a job asks for
 * the mesh (BatchJob.mesh), the batch loads it under the head lock (or reuses a
 * copy while the mesh version is unchanged), attaches it to the workspace, and
 * writes what the jobs changed after the flush statement (mesh-flush.ts). Jobs
 * reach it through meshOf(ws).
 */
import type pg from "pg";
import type { BatchJob, BatchPart, PartOfBatch } from "../commit/batch-part";
import { PartSlot, type BatchWorkspace } from "../commit/batch-workspace";
import { flushMesh } from "./mesh-flush";
import { loadMesh, loadSimulation, meshVersionAndSimulation, MESH_VERSION_AND_SIMULATION, readMeshVersion } from "./mesh-rows";
import { MeshWorkspace } from "./mesh-workspace";
import { cloneMesh, type Mesh } from "../domain/mesh/mesh-model";

const MESH = new PartSlot<MeshWorkspace>("mesh");

/** The batch's mesh; only for jobs that declared `mesh: true`. */
export function meshOf(ws: BatchWorkspace): MeshWorkspace {
  return ws.part(MESH);
}

export class MeshBatch implements BatchPart {
  /**
   * The mesh as the last batch that loaded it left it, with the version read in
   * that batch's transaction after its writes. A batch reuses a copy while the
   * version it reads under the head lock is the same (any other write to nodes
   * or links, from anywhere, moves the version): no reload of the whole mesh
   * for every routing batch.
   */
  private meshCache: { version: string; mesh: Mesh } | null = null;
  /** How often batches loaded the mesh or reused the cached one (tests and diagnostics). */
  readonly meshStats = { loads: 0, reuses: 0 };

  /** The mesh version and the simulation state, read with the head lock (two round trips fewer). */
  preload(jobs: readonly BatchJob<unknown>[]): string | null {
    return jobs.some((j) => j.mesh) ? MESH_VERSION_AND_SIMULATION : null;
  }

  async open(client: pg.ClientBase, ws: BatchWorkspace, jobs: readonly BatchJob<unknown>[], _head: string, preloaded?: pg.QueryResult): Promise<PartOfBatch> {
    if (!jobs.some((j) => j.mesh)) return {};
    const read = preloaded ? meshVersionAndSimulation(preloaded) : null;
    let version = read?.version ?? (await readMeshVersion(client));
    const cached = this.meshCache?.version === version ? cloneMesh(this.meshCache.mesh) : null;
    if (cached) this.meshStats.reuses++;
    else this.meshStats.loads++;
    const mesh = cached ?? (await loadMesh(client));
    const m = new MeshWorkspace(mesh, read ? read.simulation : await loadSimulation(client));
    ws.attach(MESH, m);
    return {
      write: async (c) => {
        await flushMesh(c, m, ws.now);
        if (m.hasChanges()) version = await readMeshVersion(c);
      },
      // The workspace is done with: its mesh is now what the database holds, at that version.
      committed: () => {
        this.meshCache = { version, mesh: m.committedMesh() };
      },
    };
  }
}
