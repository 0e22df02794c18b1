/**
 * Distribution of a key over the mesh, with receipts:
 * 1. route (one runner job, under the audit head lock): a path from the hub to
 *    every participant with enough pool on every hop; the one-time-pad bits are
 *    spent on each hop, the routes recorded, and the key marked DISTRIBUTED, in
 *    one transaction with its audit entry; or, when some participant cannot be
 *    reached, the key fails (DESTROYED) and a retry with new material is made;
 * 2. carry the key to each participant's node agent hop by hop, encrypted with
 *    each link's one-time pad (key-carrier.ts, issue 18);
 * 3. collect every receipt (proof of possession) within a timeout, then record
 *    them in one job: the key becomes ACTIVE only when all participants
 *    confirmed. A missing or wrong receipt fails the key instead (DESTROYED,
 *    holders told to purge) and its retry is distributed after a backoff, up to
 *    the policy's attempt limit, all in the audit chain.
 * A key is never left half-distributed: after a crash, resumeInterrupted()
 * fails keys stuck in DISTRIBUTED and carries on with their retries.
 */
import { systemClock, type Clock } from "../time/clock";
import type { JsonValue } from "../domain/audit/types";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import { transition, type EffectContext } from "../keys/key-effects";
import type { KeyRecord } from "../keys/key-record";
import type { Actor } from "../keys/key-service";
import type { KeyVault } from "../keys/key-vault";
import { toKeyView, type KeyView } from "../keys/key-views";
import type { KeyWorkspace } from "../keys/key-workspace";
import type { TransitionRunner } from "../commit/transition-runner";
import { withTimeout, type AgentDirectory } from "../agents/node-agent";
import { describeNoRoute, type Route } from "../mesh/routing/route-planner";
import { hubOf, type Mesh } from "../domain/mesh/mesh-model";
import { meshOf } from "../mesh/mesh-batch";
import { KeyCarrier, type CarriedHop } from "./key-carrier";
import { PadChannel, type ChannelPads } from "../quantum-channel/pad-channel";
import { PadLevels } from "../quantum-channel/pad-levels";

export interface DistributionOptions {
  /** How long participants have to confirm receipt. */
  receiptTimeoutMs?: number;
  /** Wait before distributing retry n (n = 2, 3, ...). */
  backoffMs?: (attempt: number) => number;
  sleep?: (ms: number) => Promise<void>;
  /** The server's clock: what "recently" means after a restart. */
  clock?: Clock;
  /** The quantum channel shared with the agents (default: the directory's, else a new one given to it). */
  pads?: ChannelPads;
}

/** The channel a directory already uses, or a new one installed on it (directories that hold one expose `pads`). */
export function channelPadsOf(agents: AgentDirectory, clock: Clock): ChannelPads {
  const holder = agents as AgentDirectory & { pads?: ChannelPads | null };
  if (holder.pads) return holder.pads;
  const pads: ChannelPads = { channel: new PadChannel(), levels: new PadLevels(), clock };
  if ("pads" in holder) holder.pads = pads;
  return pads;
}

type Receipt = { nodeId: string; mac: string | null; problem: string | null };

export interface AttemptReport {
  keyId: string;
  attempt: number;
  outcome: "active" | "failed";
  reason: string | null;
  routes: Array<{ nodeId: string; nodePath: string[]; linkPath: string[] }>;
}

/** Parts of the mesh a distribution must not cross. */
export interface AvoidParts {
  nodeIds: readonly string[];
  linkIds: readonly string[];
}

function avoidedLinks(mesh: Mesh, avoid: AvoidParts | undefined): Set<string> {
  const out = new Set<string>(avoid?.linkIds ?? []);
  if (avoid && avoid.nodeIds.length > 0) {
    const nodes = new Set(avoid.nodeIds);
    for (const l of mesh.links.values()) if (nodes.has(l.aNodeId) || nodes.has(l.bNodeId)) out.add(l.id);
  }
  return out;
}

export interface DistributionReport {
  requestedKeyId: string;
  /** The key that ended ACTIVE, or the last one tried. */
  finalKey: KeyView;
  attempts: AttemptReport[];
  /** Every attempt allowed by the policy failed. */
  abandoned: boolean;
}

export type RouteOutcome =
  | { ok: true; key: KeyRecord; routes: Array<Route & { nodeId: string }> }
  | { ok: false; reason: string; retryId: string | null; key: KeyRecord };

type ConfirmOutcome = { ok: true; key: KeyRecord } | { ok: false; reason: string; retryId: string | null; key: KeyRecord };

const defaultBackoff = (attempt: number) => Math.min(2_000, 150 * 2 ** (attempt - 2));

export class DistributionService {
  private readonly receiptTimeoutMs: number;
  private readonly clock: Clock;
  private readonly backoffMs: (attempt: number) => number;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly carrier: KeyCarrier;
  readonly pads: ChannelPads;

  constructor(
    private readonly db: Db,
    private readonly runner: TransitionRunner<KeyWorkspace>,
    private readonly vault: KeyVault,
    private readonly agents: AgentDirectory,
    opts: DistributionOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.receiptTimeoutMs = opts.receiptTimeoutMs ?? 2_000;
    this.backoffMs = opts.backoffMs ?? defaultBackoff;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pads = opts.pads ?? channelPadsOf(agents, this.clock);
    this.carrier = new KeyCarrier(db, agents, this.pads, this.receiptTimeoutMs);
  }

  private ctx(ws: KeyWorkspace, who: Actor): EffectContext {
    return { ws, vault: this.vault, actor: who.actor };
  }

  /** Distributes a GENERATED key (and its retries) until one is ACTIVE or the attempts run out. */
  /** `avoid`: nodes and links no route may cross (an emergency rotation names the suspect parts); retries avoid them too. */
  async distribute(keyId: string, who: Actor, expectedVersion?: number, avoid?: AvoidParts): Promise<DistributionReport> {
    const attempts: AttemptReport[] = [];
    let current = keyId;
    let version = expectedVersion;
    for (;;) {
      const r = await this.attempt(current, who, version, avoid);
      attempts.push(r.report);
      version = undefined;
      if (r.report.outcome === "active" || !r.retryId) {
        return { requestedKeyId: keyId, finalKey: toKeyView(r.key), attempts, abandoned: r.report.outcome === "failed" && !r.retryId };
      }
      current = r.retryId;
      await this.sleep(this.backoffMs(r.report.attempt + 1));
    }
  }

  /**
   * For a key already DISTRIBUTED (its pads paid, e.g. a distribution cut short
   * by a restart): delivers it again to the participants that have not
   * confirmed and collects their receipts; the key becomes ACTIVE, or fails and
   * is retried like any distribution.
   */
  async collect(keyId: string, who: Actor, expectedVersion?: number): Promise<DistributionReport> {
    const k = await this.runner.submit({
      keyIds: [keyId],
      run: (ws) => {
        const key = ws.key(keyId);
        if (expectedVersion !== undefined && expectedVersion !== key.version) {
          throw new DomainError("CONCURRENT_UPDATE", `Key ${key.label} changed since you loaded it (version ${expectedVersion}, now ${key.version}, ${key.state}). Reload and try again.`);
        }
        const pending = key.participants.find((p) => !p.confirmedAt)?.nodeId ?? "";
        if (key.state !== "DISTRIBUTED" || !pending) transition(this.ctx(ws, who), key, { type: "CONFIRM_RECEIPT", nodeId: pending }); // refused in the engine's words
        return key;
      },
    });
    const routes = await this.db.keyRoute.findMany({ where: { keyId }, select: { nodeId: true, nodePath: true, linkPath: true } });
    const pending = k.participants.filter((p) => !p.confirmedAt).map((p) => ({ nodeId: p.nodeId, nodePath: routes.find((r) => r.nodeId === p.nodeId)?.nodePath ?? [p.nodeId], linkPath: [], lengthKm: 0 }));
    const delivered = await this.deliver(k, pending);
    const confirmed = await this.confirm(keyId, delivered, who);
    const report: AttemptReport = { keyId, attempt: k.distributionAttempt, outcome: confirmed.ok ? "active" : "failed", reason: confirmed.ok ? null : confirmed.reason, routes: [] };
    if (confirmed.ok || !confirmed.retryId) {
      if (!confirmed.ok) await this.purgeEverywhere(k);
      return { requestedKeyId: keyId, finalKey: toKeyView(confirmed.key), attempts: [report], abandoned: !confirmed.ok };
    }
    await this.purgeEverywhere(k);
    await this.sleep(this.backoffMs(k.distributionAttempt + 1));
    const rest = await this.distribute(confirmed.retryId, who);
    return { ...rest, requestedKeyId: keyId, attempts: [report, ...rest.attempts] };
  }

  private async attempt(keyId: string, who: Actor, expectedVersion?: number, avoid?: AvoidParts): Promise<{ report: AttemptReport; key: KeyRecord; retryId: string | null }> {
    const routed = await this.routeKey(keyId, who, expectedVersion, avoid);
    const base = { keyId, attempt: routed.key.distributionAttempt };
    if (!routed.ok) {
      return { report: { ...base, outcome: "failed", reason: routed.reason, routes: [] }, key: routed.key, retryId: routed.retryId };
    }
    const routes = routed.routes.map((r) => ({ nodeId: r.nodeId, nodePath: r.nodePath, linkPath: r.linkPath }));
    const delivered = await this.deliver(routed.key, routed.routes);
    const confirmed = await this.confirm(keyId, delivered, who);
    if (!confirmed.ok) {
      await this.purgeEverywhere(routed.key);
      return { report: { ...base, outcome: "failed", reason: confirmed.reason, routes }, key: confirmed.key, retryId: confirmed.retryId };
    }
    return { report: { ...base, outcome: "active", reason: null, routes }, key: confirmed.key, retryId: null };
  }

  /** Step 1: routes and pool bits for every participant, or the failure, in one transaction. */
  routeKey(keyId: string, who: Actor, expectedVersion?: number, avoid?: AvoidParts): Promise<RouteOutcome> {
    return this.runner.submit({
      keyIds: [keyId],
      mesh: true,
      run: (ws): RouteOutcome => {
        const k = ws.key(keyId);
        if (expectedVersion !== undefined && expectedVersion !== k.version) {
          throw new DomainError("CONCURRENT_UPDATE", `Key ${k.label} changed since you loaded it (version ${expectedVersion}, now ${k.version}, ${k.state}). Reload and try again.`);
        }
        if (k.state !== "GENERATED") transition(this.ctx(ws, who), k, { type: "DISTRIBUTE" }); // the engine refuses with its own words
        const m = meshOf(ws);
        const hub = hubOf(m.view());
        const routes: Array<Route & { nodeId: string }> = [];
        let failure: string | null = hub ? null : "the mesh has no hub to distribute from";
        // An avoided link, or one touching an avoided node, offers no bits: no route crosses it. Nor does a link whose
        // two ends' pads disagree (a hop over it decrypted other bytes than were sent) until it is resynchronised.
        const avoided = avoidedLinks(m.view(), avoid);
        for (const id of this.pads.levels.desyncedLinkIds()) avoided.add(id);
        for (const p of hub ? k.participants : []) {
          const r = m.route(hub!.id, p.nodeId, k.sizeBits, avoided);
          if ("none" in r) {
            failure = describeNoRoute(r.none, hub!.id, p.nodeId, k.sizeBits);
            break;
          }
          m.spendRoute({ keyId, nodeId: p.nodeId, nodePath: r.nodePath, linkPath: r.linkPath, bits: k.sizeBits });
          routes.push(Object.assign({}, r, { nodeId: p.nodeId }));
        }
        if (failure) {
          // Nothing was sent: the job's pool spends are dropped with the failure below.
          m.rollbackJob();
          return { ok: false, reason: failure, ...this.fail(ws, k, failure, who) };
        }
        transition(this.ctx(ws, who), k, { type: "DISTRIBUTE" });
        const linkIds = [...new Set(routes.flatMap((r) => r.linkPath))];
        const nodeIds = [...new Set(routes.flatMap((r) => r.nodePath))];
        // The transition's entry gets the routes (entries are hashed at flush, after the job).
        const entry = ws.lastAudit();
        if (entry) {
          const details = entry.details as Record<string, JsonValue>;
          details.routes = routes.map((r) => ({ nodeId: r.nodeId, nodePath: r.nodePath, linkPath: r.linkPath }));
          details.poolBitsSpent = routes.reduce((n, r) => n + r.linkPath.length * k.sizeBits, 0);
        }
        ws.publish({ topic: "routes", type: "key-routed", data: { keyId, linkIds, nodeIds } });
        return { ok: true, key: ws.key(keyId), routes };
      },
    });
  }

  /** Step 2: carries the key hop by hop to each participant's agent; answers are receipts or why none came, and the hops done. */
  private async deliver(k: Pick<KeyRecord, "id" | "sizeBits" | "materialCiphertext" | "materialNonce">, routes: ReadonlyArray<{ nodeId: string; nodePath: readonly string[] }>): Promise<{ receipts: Receipt[]; hops: CarriedHop[] }> {
    const sealed = { ciphertext: k.materialCiphertext!, nonce: k.materialNonce! };
    const material = this.vault.withMaterial(k.id, sealed, (m) => Buffer.from(m));
    try {
      const out = await this.carrier.carry(k.id, k.sizeBits, material, routes);
      return { receipts: out.map(({ nodeId, mac, problem }) => ({ nodeId, mac, problem })), hops: out.flatMap((o) => o.hops) };
    } finally {
      material.fill(0);
    }
  }

  /**
   * Carries a routed key to one participant only and returns its receipt without recording it (the demo seed's
   * half-delivered key); throws with the problem when the carry failed.
   */
  async carryTo(keyId: string, nodeId: string): Promise<string> {
    const k = await this.db.key.findUniqueOrThrow({ where: { id: keyId }, select: { id: true, sizeBits: true, materialCiphertext: true, materialNonce: true } });
    const route = await this.db.keyRoute.findUniqueOrThrow({ where: { keyId_nodeId: { keyId, nodeId } }, select: { nodePath: true } });
    const { receipts } = await this.deliver(k, [{ nodeId, nodePath: route.nodePath }]);
    if (!receipts[0]?.mac) throw new Error(receipts[0]?.problem ?? `no receipt from ${nodeId}`);
    return receipts[0].mac;
  }

  /** Step 3: every receipt checked and recorded; ACTIVE when all confirmed, else the key fails and a retry is made. */
  private confirm(keyId: string, delivered: { receipts: Receipt[]; hops: CarriedHop[] }, who: Actor): Promise<ConfirmOutcome> {
    return this.runner.submit({ keyIds: [keyId], run: (ws) => this.confirmIn(ws, keyId, delivered, who) });
  }

  /** Step 3 inside a job (one key). */
  private confirmIn(ws: KeyWorkspace, keyId: string, delivered: { receipts: Receipt[]; hops: CarriedHop[] }, who: Actor): ConfirmOutcome {
    const receipts = delivered.receipts;
    // The relay steps that happened, for the Mesh page (published with this job: events leave with a commit).
    for (const h of delivered.hops) ws.publish({ topic: "routes", type: "key-hop", data: { ...h } });
    const k = ws.key(keyId);
    if ((k.state === "ACTIVE" || k.state === "ROTATING") && k.participants.every((p) => p.confirmedAt)) {
      // Another driver (a second instance resuming the same key) confirmed every receipt first: the
      // key is fine, and its holders must keep it (treating this as a failure would have them purge it).
      return { ok: true, key: k };
    }
    if (k.state !== "DISTRIBUTED") {
      // Revoked or failed meanwhile (e.g. a compromise): nothing to confirm.
      return { ok: false, reason: `the key became ${k.state} while receipts were collected`, retryId: null, key: k };
    }
    const sealed = { ciphertext: k.materialCiphertext!, nonce: k.materialNonce! };
    const problems: string[] = [];
    for (const r of receipts) {
      if (r.mac === null) {
        problems.push(r.problem ?? `no receipt from ${r.nodeId}`);
        continue;
      }
      if (!this.vault.checkReceipt(k.id, sealed, r.nodeId, r.mac)) {
        ws.audit({ actor: who.actor, action: "KEY_RECEIPT_REJECTED", subjectType: "key", subjectId: k.id, fromState: k.state, toState: k.state, details: { nodeId: r.nodeId } });
        problems.push(`wrong receipt from ${r.nodeId} (does not prove possession)`);
      }
    }
    if (problems.length > 0) return { ok: false, reason: problems.join("; "), ...this.fail(ws, k, problems.join("; "), who) };
    for (const r of receipts) {
      if (!k.participants.find((p) => p.nodeId === r.nodeId)?.confirmedAt) {
        transition(this.ctx(ws, who), k, { type: "CONFIRM_RECEIPT", nodeId: r.nodeId }, { receiptMac: r.mac! });
      }
    }
    return { ok: true, key: ws.key(keyId) };
  }

  private fail(ws: KeyWorkspace, k: KeyRecord, reason: string, who: Actor): { retryId: string | null; key: KeyRecord } {
    transition(this.ctx(ws, who), k, { type: "FAIL_DISTRIBUTION", reason });
    const retry = ws.jobInsertedKeys().find((x) => x.lineageId === k.lineageId && x.distributionAttempt === k.distributionAttempt + 1);
    return { retryId: retry?.id ?? null, key: ws.key(k.id) };
  }

  /** Tells every participant to erase a failed key's material (best effort: the key is already zeroised at the hub). */
  private async purgeEverywhere(k: KeyRecord): Promise<void> {
    await Promise.all(k.participants.map((p) => withTimeout(this.agents.agent(p.nodeId).purge(k.id), p.nodeId, this.receiptTimeoutMs).catch(() => false)));
  }

  /**
   * After a restart: a distribution the previous process left half-way (the
   * key DISTRIBUTED within the last `windowMs`, longer ago than the receipt
   * timeout) is failed, since what reached which agent is unknown and material
   * is never reused on a guess, and its retry is distributed; retries left
   * GENERATED in that window are distributed. Keys waiting for receipts longer
   * than that are left to operators ("Collect receipts" on the key page).
   */
  async resumeInterrupted(who: Actor, now = this.clock(), windowMs = 15 * 60_000): Promise<DistributionReport[]> {
    const cutoff = new Date(now.getTime() - this.receiptTimeoutMs);
    const since = new Date(now.getTime() - windowMs);
    const stuck = await this.db.key.findMany({ where: { state: "DISTRIBUTED", distributedAt: { lt: cutoff, gte: since } }, select: { id: true } });
    const reports: DistributionReport[] = [];
    for (const { id } of stuck) {
      const failed = await this.runner.submit({
        keyIds: [id],
        run: (ws) => {
          const k = ws.key(id);
          if (k.state !== "DISTRIBUTED") return null;
          return this.fail(ws, k, "distribution interrupted: the server stopped before every receipt arrived", who).retryId;
        },
      });
      if (failed) reports.push(await this.distribute(failed, who));
    }
    const retries = await this.db.key.findMany({ where: { state: "GENERATED", distributionAttempt: { gt: 1 }, generatedAt: { gte: since } }, select: { id: true } });
    for (const { id } of retries) {
      try {
        reports.push(await this.distribute(id, who));
      } catch (err) {
        // Moved on meanwhile (another instance resumed it, an operator revoked it): the rest still resume.
        if (!(err instanceof DomainError)) throw err;
      }
    }
    return reports;
  }

  /**
   * Many GENERATED keys at once (emergency replacements after a compromise):
   * one job routes them all from one shortest-path tree per key size (rebuilt
   * only when a hop lacks pool), deliveries run in parallel, one job records
   * every receipt. Same outcome per key as distribute(): ACTIVE, or failed
   * with a retry that is then distributed on its own. Keys no longer GENERATED
   * are reported as they are, untouched. With `leaveUnroutable`, a key some
   * participant of which cannot be reached now (no path, or not enough pad
   * bits) spends nothing and stays GENERATED, reported with that participant
   * (`blockedBy`), for a caller that would rather wait than burn material.
   * Returns the final key per requested key.
   */
  async distributeMany(
    keyIds: readonly string[], who: Actor, opts: { leaveUnroutable?: boolean } = {},
  ): Promise<Map<string, { finalId: string; state: string; blockedBy?: string }>> {
    const out = new Map<string, { finalId: string; state: string; blockedBy?: string }>();
    if (keyIds.length === 0) return out;
    const routed = await this.runner.submit({
      keyIds,
      mesh: true,
      run: (ws) => {
        const m = meshOf(ws);
        const hub = hubOf(m.view());
        const trees = new Map<number, Map<string, Route>>();
        const tree = (bits: number, fresh = false) => {
          let t = fresh ? undefined : trees.get(bits);
          if (!t) trees.set(bits, (t = hub ? m.graph().routesFrom(hub.id, bits, (id) => m.available(id)) : new Map()));
          return t;
        };
        // Bits this key's earlier participants would take, before anything is spent: a key whose last
        // participant cannot be reached spends nothing.
        const pending = new Map<string, number>();
        const avail = (id: string) => m.available(id) - (pending.get(id) ?? 0);
        const fits = (r: Route, bits: number) => r.linkPath.every((id) => avail(id) >= bits);
        const results: Array<
          | { keyId: string; ok: true; key: KeyRecord; routes: Array<Route & { nodeId: string }> }
          | { keyId: string; ok: false; key: KeyRecord; retryId: string | null; blockedBy?: string }
        > = [];
        for (const keyId of keyIds) {
          const k = ws.key(keyId);
          if (k.state !== "GENERATED") {
            results.push({ keyId, ok: false, key: k, retryId: null });
            continue;
          }
          const routes: Array<Route & { nodeId: string }> = [];
          let failure: string | null = hub ? null : "the mesh has no hub to distribute from";
          let blockedBy = k.participants[0]?.nodeId ?? "";
          pending.clear();
          for (const p of hub ? k.participants : []) {
            let r = tree(k.sizeBits).get(p.nodeId);
            if (!r || !fits(r, k.sizeBits)) r = tree(k.sizeBits, true).get(p.nodeId);
            if (!r || !fits(r, k.sizeBits)) {
              const single = m.graph().route(hub!.id, p.nodeId, k.sizeBits, avail);
              if ("none" in single) {
                failure = describeNoRoute(single.none, hub!.id, p.nodeId, k.sizeBits);
                blockedBy = p.nodeId;
                break;
              }
              r = single;
            }
            for (const id of r.linkPath) pending.set(id, (pending.get(id) ?? 0) + k.sizeBits);
            routes.push(Object.assign({}, r, { nodeId: p.nodeId }));
          }
          if (!failure) for (const r of routes) m.spendRoute({ keyId, nodeId: r.nodeId, nodePath: r.nodePath, linkPath: r.linkPath, bits: k.sizeBits });
          if (failure && opts.leaveUnroutable) {
            results.push({ keyId, ok: false, key: k, retryId: null, blockedBy });
            continue;
          }
          if (failure) {
            const f = this.fail(ws, k, failure, who);
            results.push({ keyId, ok: false, key: f.key, retryId: f.retryId });
            continue;
          }
          transition(this.ctx(ws, who), k, { type: "DISTRIBUTE" });
          const entry = ws.lastAudit();
          if (entry) {
            const details = entry.details as Record<string, JsonValue>;
            details.routes = routes.map((r) => ({ nodeId: r.nodeId, nodePath: r.nodePath, linkPath: r.linkPath }));
            details.poolBitsSpent = routes.reduce((n, r) => n + r.linkPath.length * k.sizeBits, 0);
          }
          ws.publish({ topic: "routes", type: "key-routed", data: { keyId, linkIds: [...new Set(routes.flatMap((r) => r.linkPath))], nodeIds: [...new Set(routes.flatMap((r) => r.nodePath))] } });
          results.push({ keyId, ok: true, key: ws.key(keyId), routes });
        }
        return results;
      },
    });
    const receipts = await Promise.all(routed.map(async (r) => (r.ok ? { keyId: r.keyId, delivered: await this.deliver(r.key, r.routes) } : null)));
    const toConfirm = receipts.filter((x): x is NonNullable<typeof x> => x !== null);
    const confirmed = toConfirm.length === 0 ? [] : await this.runner.submit({
      keyIds: toConfirm.map((x) => x.keyId),
      run: (ws) => toConfirm.map((x) => ({ keyId: x.keyId, outcome: this.confirmIn(ws, x.keyId, x.delivered, who) })),
    });
    const retries: Array<{ keyId: string; retryId: string }> = [];
    for (const r of routed) {
      if (r.ok) continue;
      if (r.retryId) retries.push({ keyId: r.keyId, retryId: r.retryId });
      else out.set(r.keyId, { finalId: r.keyId, state: r.key.state, ...(r.blockedBy ? { blockedBy: r.blockedBy } : {}) });
    }
    for (const c of confirmed) {
      if (c.outcome.ok) out.set(c.keyId, { finalId: c.keyId, state: "ACTIVE" });
      else {
        await this.purgeEverywhere(c.outcome.key);
        if (c.outcome.retryId) retries.push({ keyId: c.keyId, retryId: c.outcome.retryId });
        else out.set(c.keyId, { finalId: c.keyId, state: c.outcome.key.state });
      }
    }
    await Promise.all(retries.map(async ({ keyId, retryId }) => {
      await this.sleep(this.backoffMs(2));
      const r = await this.distribute(retryId, who);
      out.set(keyId, { finalId: r.finalKey.id, state: r.finalKey.state });
    }));
    return out;
  }
}
