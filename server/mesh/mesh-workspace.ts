/**
 * The mesh inside one runner batch, loaded under the audit head lock (so the
 * batch sees committed pools and topology, and every writer of the mesh is
 * ordered by that lock). Like the key workspace, each job works on its own
 * changes, kept when it returns and dropped when it throws; the batch writes
 * what its jobs kept in one statement (mesh-flush.ts), in the transaction of
 * their audit entries.
 */
import { DomainError } from "../domain/errors/domain-error";
import { MeshGraph, type NoRouteReason, type Route, type RouteTree } from "./routing/route-planner";
import { PoolLedger } from "./routing/pool-ledger";
import type { Mesh, MeshLink, MeshNode } from "../domain/mesh/mesh-model";

export interface RouteRecord {
  keyId: string;
  nodeId: string;
  nodePath: string[];
  linkPath: string[];
  bits: number;
}

export interface LinkSampleRecord {
  linkId: string;
  qber: number;
  poolBits: number;
  secretKeyRateBps: number;
}

export interface SimulationRecord {
  tick: number;
  simTime: Date;
  lastTickAt: Date;
  speed: number;
  seed: number;
  rngState: number;
  lastSampleAt: Date | null;
}

interface JobChanges {
  nodes: Map<string, MeshNode>;
  links: Map<string, MeshLink>;
  added: Set<string>;
  removed: Set<string>;
  routes: RouteRecord[];
  samples: LinkSampleRecord[];
  simulation: SimulationRecord | null;
  ledger: PoolLedger;
  topologyChanged: boolean;
}

export class MeshWorkspace {
  readonly dirtyNodes = new Set<string>();
  readonly dirtyLinks = new Set<string>();
  readonly addedLinks = new Set<string>();
  readonly removedLinks = new Set<string>();
  readonly routes: RouteRecord[] = [];
  readonly samples: LinkSampleRecord[] = [];
  simulation: SimulationRecord | null = null;
  private graphCache: MeshGraph | null = null;
  /** Shortest-path trees the batch's jobs share (route()), by origin, bits and avoided links. */
  private readonly trees = new Map<string, { graph: MeshGraph; bits: number; tree: RouteTree; job: JobChanges }>();
  private job: JobChanges;

  constructor(
    private readonly committed: Mesh,
    /** The simulation state as loaded (null before the first tick). */
    readonly loadedSimulation: SimulationRecord | null = null,
  ) {
    this.job = this.freshJob();
  }

  private freshJob(): JobChanges {
    return {
      nodes: new Map(), links: new Map(), added: new Set(), removed: new Set(), routes: [], samples: [], simulation: null,
      ledger: new PoolLedger((id) => this.readLink(id)), topologyChanged: false,
    };
  }

  // --- reading (no copy) -------------------------------------------------

  readNode(id: string): MeshNode | undefined {
    return this.job.nodes.get(id) ?? this.committed.nodes.get(id);
  }

  readLink(id: string): MeshLink | undefined {
    if (this.job.removed.has(id)) return undefined;
    return this.job.links.get(id) ?? this.committed.links.get(id);
  }

  /** The mesh as this job sees it (a merged snapshot; the planners are pure functions of it). */
  view(): Mesh {
    if (this.job.nodes.size === 0 && this.job.links.size === 0 && this.job.removed.size === 0) return this.committed;
    const nodes = new Map(this.committed.nodes);
    for (const [id, n] of this.job.nodes) nodes.set(id, n);
    const links = new Map(this.committed.links);
    for (const id of this.job.removed) links.delete(id);
    for (const [id, l] of this.job.links) links.set(id, l);
    return { nodes, links };
  }

  /** Routing graph of the current topology (cached across jobs until a job changes the topology). */
  graph(): MeshGraph {
    if (this.job.topologyChanged) return new MeshGraph(this.view());
    this.graphCache ??= new MeshGraph(this.committed);
    return this.graphCache;
  }

  /**
   * What `graph().route(from, to, bits, available)` answers, with an avoided link offering no bits, from a
   * shortest-path tree the batch's jobs share: one search for every key a batch routes from the hub, instead of one
   * per key (on a 1,000-node mesh that search was a third of a distribution's time in this process).
   *
   * A tree stays exactly what a new search would build while the links it could use are the same: it is built on
   * the graph of the batch's topology (a job that changed a link, its figures included, searches on its own), no
   * link that had the bits may have lost them (spendRoute drops the trees a spend takes a link below), and pools only
   * shrink inside a batch except when a job is rolled back (the trees that job built go with it).
   */
  route(from: string, to: string, bits: number, avoided: ReadonlySet<string> = new Set()): Route | { none: NoRouteReason } {
    const available = (id: string) => (avoided.has(id) ? 0 : this.available(id));
    const graph = this.graph();
    if (this.job.topologyChanged || this.job.links.size > 0) return graph.route(from, to, bits, available);
    const key = `${from}\n${bits}\n${[...avoided].sort().join("\n")}`;
    let shared = this.trees.get(key);
    if (shared === undefined || shared.graph !== graph) {
      shared = { graph, bits, tree: graph.treeFrom(from, bits, available), job: this.job };
      this.trees.set(key, shared);
    }
    return graph.routeIn(shared.tree, to);
  }

  /** Pool bits still available on a link to this job. */
  available(linkId: string): number {
    return this.job.ledger.available(linkId);
  }

  // --- changing (copy on write) -----------------------------------------

  node(id: string): MeshNode {
    const found = this.job.nodes.get(id);
    if (found) return found;
    const base = this.committed.nodes.get(id);
    if (!base) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Node ${id} does not exist`);
    const copy = { ...base };
    this.job.nodes.set(id, copy);
    this.job.topologyChanged = true;
    return copy;
  }

  link(id: string): MeshLink {
    const found = this.job.links.get(id);
    if (found) return found;
    const base = this.readLink(id);
    if (!base) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Link ${id} does not exist (it may have been removed)`);
    const copy = { ...base };
    this.job.links.set(id, copy);
    this.job.topologyChanged = true;
    return copy;
  }

  addLink(l: MeshLink): void {
    if (this.readLink(l.id)) throw new DomainError("TOPOLOGY_CONFLICT", `Link ${l.id} already exists`);
    this.job.links.set(l.id, { ...l });
    this.job.removed.delete(l.id);
    this.job.added.add(l.id);
    this.job.topologyChanged = true;
  }

  removeLink(id: string): void {
    if (!this.readLink(id)) throw new DomainError("MESH_ELEMENT_NOT_FOUND", `Link ${id} does not exist`);
    this.job.links.delete(id);
    this.job.added.delete(id);
    this.job.removed.add(id);
    this.job.topologyChanged = true;
  }

  /** Spends one-time-pad bits on every hop of a route (all or nothing) and records the route. */
  spendRoute(route: RouteRecord): void {
    this.job.ledger.spend(route.linkPath, route.bits);
    this.job.routes.push(route);
    for (const [key, shared] of this.trees) {
      if (route.linkPath.some((id) => this.available(id) < shared.bits)) this.trees.delete(key);
    }
  }

  /** Sets pool/QBER figures computed by the simulation (not a topology change). */
  updateLinkFigures(id: string, figures: Pick<MeshLink, "poolBits" | "qber" | "secretKeyRateBps" | "status">): void {
    const found = this.job.links.get(id) ?? { ...this.readLink(id)! };
    Object.assign(found, figures);
    this.job.links.set(id, found);
  }

  recordSample(s: LinkSampleRecord): void {
    this.job.samples.push(s);
  }

  setSimulation(s: SimulationRecord): void {
    this.job.simulation = s;
  }

  // --- job boundaries (called by the key workspace) ----------------------

  beginJob(): void {
    this.job = this.freshJob();
  }

  commitJob(): void {
    const j = this.job;
    for (const [id, n] of j.nodes) {
      this.committed.nodes.set(id, n);
      this.dirtyNodes.add(id);
    }
    for (const id of j.removed) {
      this.committed.links.delete(id);
      if (this.addedLinks.has(id)) this.addedLinks.delete(id);
      else this.removedLinks.add(id);
      this.dirtyLinks.delete(id);
    }
    for (const [id, l] of j.links) {
      this.committed.links.set(id, l);
      if (j.added.has(id) && !this.removedLinks.delete(id)) this.addedLinks.add(id);
      else if (!this.addedLinks.has(id)) this.dirtyLinks.add(id);
    }
    for (const [id, bits] of j.ledger.debits()) {
      const l = this.committed.links.get(id)!;
      const spent = { ...l, poolBits: l.poolBits - bits, bitsConsumed: l.bitsConsumed + bits };
      this.committed.links.set(id, spent);
      if (!this.addedLinks.has(id)) this.dirtyLinks.add(id);
    }
    this.routes.push(...j.routes);
    this.samples.push(...j.samples);
    if (j.simulation) this.simulation = j.simulation;
    if (j.topologyChanged || j.links.size > 0) this.graphCache = null;
    this.job = this.freshJob();
  }

  rollbackJob(): void {
    // Its spends are undone, so pools may grow back: a tree it built saw them lower.
    for (const [key, shared] of this.trees) if (shared.job === this.job) this.trees.delete(key);
    this.job = this.freshJob();
  }

  /** The mesh as the batch's committed jobs left it (after the flush, what the database holds). */
  committedMesh(): Mesh {
    return this.committed;
  }

  committedLink(id: string): MeshLink | undefined {
    return this.committed.links.get(id);
  }

  committedNode(id: string): MeshNode | undefined {
    return this.committed.nodes.get(id);
  }

  hasChanges(): boolean {
    return this.dirtyNodes.size + this.dirtyLinks.size + this.addedLinks.size + this.removedLinks.size + this.routes.length + this.samples.length > 0 || this.simulation !== null;
  }
}
