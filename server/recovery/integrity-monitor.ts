/**
 * Integrity monitoring: the holders' copies of ACTIVE and ROTATING keys must
 * still be the material the hub sent. Each check is a fresh challenge: a
 * random 128-bit nonce, answered with a proof of possession (an HMAC under the
 * held material over the nonce, the key id and the node id) that the hub
 * verifies against the material in its vault, so a holder replaying an answer
 * it gave earlier (or that someone recorded) fails. A bounded number of keys is
 * checked per scan, round robin by key id, so that a large mesh is covered
 * over a few minutes without a burst. A copy that differs opens an incident on
 * the holder node whose blast radius is only the mismatched key(s). A holder
 * that holds nothing (e.g. restarted) is not a mismatch: it cannot leak what
 * it does not have.
 */
import { randomBytes } from "node:crypto";
import { poolOf, type Db } from "../db/client";
import type { KeyVault } from "../keys/key-vault";
import { withTimeout, type AgentDirectory } from "../agents/node-agent";
import type { IncidentRow } from "./incident-rows";
import { mapBounded } from "../background/bounded";
import type { RecoveryService } from "./recovery-service";

export class IntegrityMonitor {
  private cursor = "00000000-0000-0000-0000-000000000000";

  constructor(
    private readonly db: Db,
    private readonly agents: AgentDirectory,
    private readonly recovery: RecoveryService,
    /** The hub's vault: a proof is checked against the material itself. */
    private readonly vault: KeyVault,
    private readonly opts: { perScan?: number; timeoutMs?: number } = {},
  ) {}

  /** Checks the next `perScan` keys; returns the incidents opened. */
  async scan(): Promise<{ checked: number; mismatches: number; incidents: IncidentRow[] }> {
    const perScan = this.opts.perScan ?? 300;
    const { rows } = await poolOf(this.db).query<{ id: string; ciphertext: Buffer | null; nonce: Buffer | null; nodes: string[] }>(
      `SELECT k.id, k.material_ciphertext AS ciphertext, k.material_nonce AS nonce, array_agg(p.node_id ORDER BY p.node_id) AS nodes
         FROM keys k JOIN key_participants p ON p.key_id = k.id AND p.purge_confirmed_at IS NULL
        WHERE k.state IN ('ACTIVE', 'ROTATING') AND k.material_ciphertext IS NOT NULL AND k.id > $1
        GROUP BY k.id ORDER BY k.id LIMIT $2`,
      [this.cursor, perScan],
    );
    this.cursor = rows.length < perScan ? "00000000-0000-0000-0000-000000000000" : rows[rows.length - 1]!.id;
    const checks = rows.flatMap((k) => k.nodes.map((nodeId) => ({ keyId: k.id, nodeId, sealed: { ciphertext: k.ciphertext!, nonce: k.nonce! } })));
    const mismatched = new Map<string, string[]>();
    await mapBounded(checks, 128, async (c) => {
      const challenge = randomBytes(16).toString("hex");
      const held = await withTimeout(this.agents.agent(c.nodeId).prove(c.keyId, challenge), c.nodeId, this.opts.timeoutMs ?? 500).catch(() => null);
      if (held !== null && !this.vault.checkIntegrityProof(c.keyId, c.sealed, c.nodeId, challenge, held)) {
        mismatched.set(c.nodeId, [...(mismatched.get(c.nodeId) ?? []), c.keyId]);
      }
    });
    const incidents: IncidentRow[] = [];
    for (const [nodeId, keyIds] of mismatched) {
      const r = await this.recovery.integrityMismatch(nodeId, keyIds);
      if (r) incidents.push(r);
    }
    return { checked: checks.length, mismatches: [...mismatched.values()].reduce((n, k) => n + k.length, 0), incidents };
  }
}
