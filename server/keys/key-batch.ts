/**
 * The keys' part of every batch (server/commit/batch-part.ts): under the head
 * lock it loads the keys and nodes the jobs named and the stored key policies
 * (reused while the audit head is where this part's last batch left it: every
 * policy change is an audited job, so it moves the head), adds the key rows to
 * the flush statement, and tells the purge sweep which holders were asked to
 * purge once the batch committed.
 */
import pg from "pg";
import type { BatchJob, BatchPart, PartOfBatch } from "../commit/batch-part";
import { TransitionRunner, type RunnerHooks } from "../commit/transition-runner";
import type { Db } from "../db/client";
import type { Clock } from "../time/clock";
import { readPolicies, type StoredKeyPolicy } from "./key-policies";
import { keyRowParts, keysOf } from "./key-row-writes";
import { KEY_FAMILY_STATEMENT, keyFamilyArgs, keyFamilyOf, loadKeyFamily } from "./key-rows";
import { KeyWorkspace, type NodeFacts } from "./key-workspace";

const { escapeLiteral } = pg;

export class KeyBatch implements BatchPart<KeyWorkspace> {
  /**
   * The stored key policies as of the audit head a batch of this part left
   * behind. A batch that finds the head where the last one left it knows the
   * policies did not change and reuses them (no query); any other head
   * (another process wrote, or a batch of ours raced it) reloads them.
   */
  private policyCache: { head: string; policies: ReadonlyMap<string, StoredKeyPolicy> } | null = null;
  /** How often batches loaded the policies or reused the cached ones (tests and diagnostics). */
  readonly policyStats = { loads: 0, reuses: 0 };

  constructor(
    /** Holders of these keys were told to purge in a batch that just committed (the purge sweep acts at once). */
    private readonly onPurgeRequested: ((keyIds: string[]) => void) | null = null,
  ) {}

  /**
   * The nodes the jobs named (key generation names its participants' nodes), read with the head lock: one round trip
   * fewer. The keys' family is not sent this way: written out with its ids (no prepared statement), PostgreSQL parsed
   * and planned it anew for every batch, which cost more than the round trip saved (bench:transitions, PostgreSQL's
   * CPU per transition at 16 clients: 123–126 µs as a prepared statement, 159–180 µs sent with the lock).
   */
  preload(jobs: readonly BatchJob<unknown, KeyWorkspace>[]): string | null {
    return nodesStatement(jobs.flatMap((j) => j.nodeIds ?? []));
  }

  /**
   * The keys' family, read with the lock too, but through a statement prepared on the server (EXECUTE): parsed and
   * planned once per connection, unlike the written-out statement measured above. One round trip fewer per batch.
   */
  preloadPrepared(jobs: readonly BatchJob<unknown, KeyWorkspace>[]) {
    const args = keyFamilyArgs(jobs.flatMap((j) => j.keyIds));
    return args ? { statement: KEY_FAMILY_STATEMENT, args } : null;
  }

  async open(client: pg.ClientBase, ws: KeyWorkspace, jobs: readonly BatchJob<unknown, KeyWorkspace>[], head: string, preloaded?: pg.QueryResult, family?: pg.QueryResult): Promise<PartOfBatch> {
    const keys = family ? keyFamilyOf(family) : await loadKeyFamily(client, jobs.flatMap((j) => j.keyIds));
    const nodes = preloaded ? nodesOf(preloaded) : await loadNodes(client, jobs.flatMap((j) => j.nodeIds ?? []));
    ws.loadKeys(keys, nodes);
    if (this.policyCache?.head === head) {
      this.policyStats.reuses++;
      ws.attachPolicies(this.policyCache.policies);
    } else {
      this.policyStats.loads++;
      ws.attachPolicies(new Map((await readPolicies(client)).map((p) => [p.name, p])));
    }
    return {
      rows: (param) => keyRowParts(ws, param),
      announce: () => {
        const { inserted, changed } = keysOf(ws);
        const keyIds = [...inserted, ...changed].map((k) => k.id);
        return { topics: keyIds.length > 0 ? ["keys"] : [], keyIds };
      },
      committed: (left) => {
        this.policyCache = { head: left, policies: ws.committedPolicyMap() };
      },
      settled: () => {
        if (ws.purgeRequested.size > 0) this.onPurgeRequested?.([...ws.purgeRequested]);
      },
    };
  }
}

// `id = ANY (ARRAY(…))`: an index lookup per id. As `id IN (SELECT …)` the plan hashed the ids and scanned every node.
const NODES_SQL = (ids: string) => `SELECT id, name, status::text AS status FROM nodes WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text(${ids}::jsonb)))`;

async function loadNodes(client: pg.ClientBase, ids: readonly string[]): Promise<Map<string, NodeFacts>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  return nodesOf(await client.query<NodeFacts>(NODES_SQL("$1"), [JSON.stringify(wanted)]));
}

/** loadNodes as a statement of its own, the ids written into it as one escaped JSON literal; null for no ids. */
export function nodesStatement(ids: readonly string[]): string | null {
  const wanted = [...new Set(ids)];
  return wanted.length === 0 ? null : NODES_SQL(escapeLiteral(JSON.stringify(wanted)));
}

function nodesOf(result: pg.QueryResult): Map<string, NodeFacts> {
  return new Map((result.rows as NodeFacts[]).map((n) => [n.id, n]));
}

/**
 * The runner of key jobs: the keys' part first, then the parts of other
 * domains the caller composes in (the wiring adds the mesh's: server/mesh/mesh-batch.ts).
 */
export function keyRunner(
  db: Db,
  clock: Clock,
  opts: { parts?: readonly BatchPart[]; onPurgeRequested?: (keyIds: string[]) => void; hooks?: RunnerHooks; maxBatch?: number } = {},
): TransitionRunner<KeyWorkspace> {
  return new TransitionRunner<KeyWorkspace>(db, clock, {
    workspace: (now) => new KeyWorkspace(now),
    parts: [new KeyBatch(opts.onPurgeRequested ?? null), ...(opts.parts ?? [])],
    hooks: opts.hooks,
    maxBatch: opts.maxBatch,
  });
}
