/**
 * The blast radius of a compromise, from the distribution records (key_routes,
 * GIN-indexed paths) and the participants: a node exposes the keys it holds
 * and every key relayed through it (a trusted relay sees what it relays); a
 * link exposes every key whose route crossed it. Only keys whose material
 * still exists somewhere count (DISTRIBUTED, ACTIVE, ROTATING, RETIRED).
 * Read under the audit head lock, so no distribution slips in between.
 */
import type pg from "pg";
import type { Exposure } from "./incident-rows";

export const HOLDING_STATES = ["DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED"] as const;
/** States in which a key can still protect traffic (verify: none may stay in the blast radius). */
export const USABLE_STATES = ["DISTRIBUTED", "ACTIVE", "ROTATING"] as const;

export interface ExposedKey {
  keyId: string;
  exposure: Exposure;
  state: string;
  version: number;
  policy: string;
}

export async function blastRadius(c: pg.ClientBase, target: { type: "link" | "node"; id: string }, only?: readonly string[]): Promise<ExposedKey[]> {
  const states = [...HOLDING_STATES];
  type Row = { key_id: string; exposure: Exposure; state: string; version: number; policy: string };
  let rows: Row[];
  if (only) {
    const r = await c.query<Row>(
      `SELECT id AS key_id, 'held' AS exposure, state::text, version, policy FROM keys WHERE id = ANY($1::uuid[]) AND state::text = ANY($2)`,
      [only, states],
    );
    rows = r.rows;
  } else if (target.type === "link") {
    const r = await c.query<Row>(
      `SELECT DISTINCT k.id AS key_id, 'crossed-link' AS exposure, k.state::text AS state, k.version, k.policy
         FROM key_routes r JOIN keys k ON k.id = r.key_id
        WHERE r.link_path @> ARRAY[$1]::text[] AND k.state::text = ANY($2)`,
      [target.id, states],
    );
    rows = r.rows;
  } else {
    const r = await c.query<Row>(
      `SELECT k.id AS key_id, 'held' AS exposure, k.state::text AS state, k.version, k.policy
         FROM key_participants p JOIN keys k ON k.id = p.key_id
        WHERE p.node_id = $1 AND k.state::text = ANY($2)
       UNION ALL
       SELECT k.id, 'relayed', k.state::text, k.version, k.policy
         FROM key_routes r JOIN keys k ON k.id = r.key_id
        WHERE r.node_path @> ARRAY[$1]::text[] AND r.node_id <> $1 AND k.state::text = ANY($2)`,
      [target.id, states],
    );
    rows = r.rows;
  }
  // One entry per key; "held" wins over "relayed" (the node has the key either way).
  const byKey = new Map<string, ExposedKey>();
  for (const r of rows) {
    const prev = byKey.get(r.key_id);
    if (!prev || (prev.exposure !== "held" && r.exposure === "held")) {
      byKey.set(r.key_id, { keyId: r.key_id, exposure: r.exposure, state: r.state, version: r.version, policy: r.policy });
    }
  }
  return [...byKey.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}
