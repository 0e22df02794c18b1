/**
 * The registry of applications (SAEs) each site's KME serves, and of the pairs
 * allowed to share keys (KEY-DELIVERY.md §3). Administrators manage it; every
 * change is one job of the transition runner with its audit entry
 * (SAE_REGISTERED, SAE_UPDATED, SAE_DISABLED, SAE_ENABLED, SAE_PAIR_CREATED,
 * SAE_PAIR_REMOVED), so the change and its record commit together. An SAE is
 * never deleted: its deliveries name it. A disabled SAE is refused at every KME
 * (401) and its pairs stop drawing on their pool.
 */
import type pg from "pg";
import { poolOf, type Db } from "../../db/client";
import type { BatchJob, JobRunner } from "../../commit/batch-part";
import { DomainError } from "../../domain/errors/domain-error";

/**
 * Counts the registry changes of this process, once when one starts and once when it has ended: a reader that saw the
 * same count before and after saw no change of this process begin or end in between (the KME hub reuses a request's
 * registry read for its claim only then). Changes by other processes are not counted.
 */
let registryChanges = 0;
export function registryChangeCount(): number {
  return registryChanges;
}

export const SAE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const CERT_PIN_PATTERN = /^[0-9a-f]{64}$/;

export interface SaeEntry {
  saeId: string;
  nodeId: string;
  description: string;
  certPins: string[];
  enabled: boolean;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  disabledAt: Date | null;
  /** SAEs it is paired with. */
  pairedWith: string[];
  /** Keys it received (as master or slave) in all. */
  deliveries: number;
}

export interface SaePairEntry {
  saeA: string;
  saeB: string;
  sites: string[];
  createdAt: Date;
  createdBy: string;
}

interface Who {
  actor: string;
}

interface SaeRow {
  sae_id: string; node_id: string; description: string; cert_pins: string[]; enabled: boolean; version: number;
  created_at: Date; created_by: string; updated_at: Date; updated_by: string; disabled_at: Date | null;
}

const SELECT_SAE = "SELECT sae_id, node_id, description, cert_pins, enabled, version, created_at, created_by, updated_at, updated_by, disabled_at FROM saes";

export class SaeRegistry {
  constructor(
    private readonly db: Db,
    private readonly runner: JobRunner,
  ) {}

  /** Every change goes through here: counted as it starts and once it has ended (registryChangeCount). */
  private async submitChange<T>(job: BatchJob<T>): Promise<T> {
    registryChanges++;
    try {
      return await this.runner.submit(job);
    } finally {
      registryChanges++;
    }
  }

  async list(): Promise<{ saes: SaeEntry[]; pairs: SaePairEntry[] }> {
    const pool = poolOf(this.db);
    const [saes, pairs, counts] = await Promise.all([
      pool.query<SaeRow>(`${SELECT_SAE} ORDER BY node_id, sae_id`),
      pool.query<{ sae_a: string; sae_b: string; created_at: Date; created_by: string; na: string; nb: string }>(
        `SELECT p.sae_a, p.sae_b, p.created_at, p.created_by, a.node_id AS na, b.node_id AS nb
           FROM sae_pairs p JOIN saes a ON a.sae_id = p.sae_a JOIN saes b ON b.sae_id = p.sae_b ORDER BY p.sae_a, p.sae_b`,
      ),
      pool.query<{ sae_id: string; n: number }>("SELECT sae_id, count(*)::int AS n FROM key_sae_deliveries GROUP BY sae_id"),
    ]);
    const n = new Map(counts.rows.map((r) => [r.sae_id, r.n]));
    const partners = new Map<string, string[]>();
    for (const p of pairs.rows) {
      partners.set(p.sae_a, [...(partners.get(p.sae_a) ?? []), p.sae_b]);
      partners.set(p.sae_b, [...(partners.get(p.sae_b) ?? []), p.sae_a]);
    }
    return {
      saes: saes.rows.map((r) => ({ ...entry(r), pairedWith: partners.get(r.sae_id) ?? [], deliveries: n.get(r.sae_id) ?? 0 })),
      pairs: pairs.rows.map((p) => ({ saeA: p.sae_a, saeB: p.sae_b, sites: p.na === p.nb ? [p.na] : [p.na, p.nb].sort(), createdAt: p.created_at, createdBy: p.created_by })),
    };
  }

  /** Registers an application at a site. */
  async register(input: { saeId: string; nodeId: string; description?: string; certPins?: string[] }, who: Who): Promise<void> {
    const saeId = input.saeId.trim();
    const description = (input.description ?? "").trim();
    const pins = normalisePins(input.certPins ?? []);
    if (!SAE_ID_PATTERN.test(saeId)) throw new DomainError("INVALID_INPUT", "The SAE ID must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-' (it is the CN of the application's certificate).");
    if (description.length > 300) throw new DomainError("INVALID_INPUT", "The description is at most 300 characters.");
    let exists = false;
    let node: { id: string; role: string } | null = null;
    await this.submitChange({
      keyIds: [],
      load: async (c) => {
        exists = (await c.query("SELECT 1 FROM saes WHERE sae_id = $1", [saeId])).rowCount! > 0;
        node = (await c.query<{ id: string; role: string }>("SELECT id, role::text AS role FROM nodes WHERE id = $1", [input.nodeId])).rows[0] ?? null;
      },
      run: (ws) => {
        if (exists) throw new DomainError("SAE_EXISTS", `An application with SAE ID ${saeId} is already registered (disabled ones too: enable it instead).`);
        if (!node) throw new DomainError("NODE_NOT_FOUND", `There is no node ${input.nodeId}: an application is registered at the site of an existing node.`);
        ws.audit({
          actor: who.actor, action: "SAE_REGISTERED", subjectType: "sae", subjectId: saeId, fromState: null, toState: "ENABLED",
          details: { saeId, nodeId: input.nodeId, description, certPins: pins },
        });
        return ws.now;
      },
      write: async (c, at) => {
        await c.query(
          `INSERT INTO saes (sae_id, node_id, description, cert_pins, enabled, version, created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, true, 0, $5, $6, $5, $6)`,
          [saeId, input.nodeId, description, pins, at, who.actor],
        );
      },
    });
  }

  /** Changes an application's description or certificate pins (optimistic: `expectedVersion`). */
  async update(saeId: string, changes: { description?: string; certPins?: string[] }, expectedVersion: number, who: Who): Promise<void> {
    const description = changes.description?.trim();
    const pins = changes.certPins ? normalisePins(changes.certPins) : undefined;
    if (description !== undefined && description.length > 300) throw new DomainError("INVALID_INPUT", "The description is at most 300 characters.");
    if (description === undefined && pins === undefined) throw new DomainError("INVALID_INPUT", "Nothing to change: give a description or certificate pins.");
    await this.change(saeId, expectedVersion, who, (cur) => ({
      action: "SAE_UPDATED",
      from: cur.enabled ? "ENABLED" : "DISABLED",
      to: cur.enabled ? "ENABLED" : "DISABLED",
      details: {
        ...(description !== undefined ? { description, previousDescription: cur.description } : {}),
        ...(pins !== undefined ? { certPins: pins, previousCertPins: cur.cert_pins } : {}),
      },
      sql: "UPDATE saes SET description = coalesce($3, description), cert_pins = coalesce($4, cert_pins), version = version + 1, updated_at = $5, updated_by = $6 WHERE sae_id = $1 AND version = $2",
      params: [description ?? null, pins ?? null],
    }));
  }

  /** Disables (the KMEs refuse it at once) or enables again an application. */
  async setEnabled(saeId: string, enabled: boolean, expectedVersion: number, reason: string, who: Who): Promise<void> {
    const why = reason.trim();
    if (!enabled && why.length === 0) throw new DomainError("INVALID_INPUT", "Say why the application is disabled (the reason goes into the audit log).");
    if (why.length > 300) throw new DomainError("INVALID_INPUT", "The reason is at most 300 characters.");
    await this.change(saeId, expectedVersion, who, (cur) => {
      if (cur.enabled === enabled) throw new DomainError("INVALID_INPUT", `${saeId} is already ${enabled ? "enabled" : "disabled"}.`);
      return {
        action: enabled ? "SAE_ENABLED" : "SAE_DISABLED",
        from: enabled ? "DISABLED" : "ENABLED",
        to: enabled ? "ENABLED" : "DISABLED",
        details: { nodeId: cur.node_id, ...(why ? { reason: why } : {}) },
        sql: enabled
          ? "UPDATE saes SET enabled = true, disabled_at = NULL, disabled_by = NULL, version = version + 1, updated_at = $5, updated_by = $6 WHERE sae_id = $1 AND version = $2 AND $3::text IS NULL AND $4::text IS NULL"
          : "UPDATE saes SET enabled = false, disabled_at = $5, disabled_by = $6, version = version + 1, updated_at = $5, updated_by = $6 WHERE sae_id = $1 AND version = $2 AND $3::text IS NULL AND $4::text IS NULL",
        params: [null, null],
      };
    });
  }

  /** Allows two applications to share keys (at two sites: their sites get a key pool). */
  async pair(a: string, b: string, who: Who): Promise<void> {
    if (a === b) throw new DomainError("INVALID_INPUT", "An application is not paired with itself: choose two different SAEs.");
    const [x, y] = a < b ? [a, b] : [b, a];
    let found: SaeRow[] = [];
    let exists = false;
    await this.submitChange({
      keyIds: [],
      load: async (c) => {
        found = (await c.query<SaeRow>(`${SELECT_SAE} WHERE sae_id = ANY($1::text[])`, [[x, y]])).rows;
        exists = (await c.query("SELECT 1 FROM sae_pairs WHERE sae_a = $1 AND sae_b = $2", [x, y])).rowCount! > 0;
      },
      run: (ws) => {
        for (const id of [x, y]) if (!found.some((r) => r.sae_id === id)) throw new DomainError("SAE_NOT_FOUND", `There is no application ${id}; register it first.`);
        if (exists) throw new DomainError("SAE_EXISTS", `${x} and ${y} are already paired.`);
        const sites = [...new Set(found.map((r) => r.node_id))].sort();
        ws.audit({ actor: who.actor, action: "SAE_PAIR_CREATED", subjectType: "sae-pair", subjectId: `${x}~${y}`, fromState: null, toState: null, details: { saeA: x, saeB: y, sites } });
        return ws.now;
      },
      write: async (c, at) => {
        await c.query("INSERT INTO sae_pairs (sae_a, sae_b, created_at, created_by) VALUES ($1, $2, $3, $4)", [x, y, at, who.actor]);
      },
    });
  }

  async unpair(a: string, b: string, who: Who): Promise<void> {
    const [x, y] = a < b ? [a, b] : [b, a];
    let exists = false;
    await this.submitChange({
      keyIds: [],
      load: async (c) => {
        exists = (await c.query("SELECT 1 FROM sae_pairs WHERE sae_a = $1 AND sae_b = $2", [x, y])).rowCount! > 0;
      },
      run: (ws) => {
        if (!exists) throw new DomainError("SAE_NOT_FOUND", `${x} and ${y} are not paired.`);
        ws.audit({ actor: who.actor, action: "SAE_PAIR_REMOVED", subjectType: "sae-pair", subjectId: `${x}~${y}`, fromState: null, toState: null, details: { saeA: x, saeB: y } });
      },
      write: async (c) => {
        await c.query("DELETE FROM sae_pairs WHERE sae_a = $1 AND sae_b = $2", [x, y]);
      },
    });
  }

  private async change(
    saeId: string,
    expectedVersion: number,
    who: Who,
    decide: (cur: SaeRow) => { action: string; from: string; to: string; details: Record<string, string | string[]>; sql: string; params: [unknown, unknown] },
  ): Promise<void> {
    let cur: SaeRow | null = null;
    await this.submitChange({
      keyIds: [],
      load: async (c: pg.ClientBase) => {
        cur = (await c.query<SaeRow>(`${SELECT_SAE} WHERE sae_id = $1`, [saeId])).rows[0] ?? null;
      },
      run: (ws) => {
        const row = cur as SaeRow | null;
        if (!row) throw new DomainError("SAE_NOT_FOUND", `There is no application ${saeId}.`);
        if (row.version !== expectedVersion) {
          throw new DomainError("CONCURRENT_UPDATE", `${saeId} changed since you loaded it (you saw version ${expectedVersion}; it is now version ${row.version}). Reload and try again.`);
        }
        const d = decide(row);
        ws.audit({ actor: who.actor, action: d.action, subjectType: "sae", subjectId: saeId, fromState: d.from, toState: d.to, details: { nodeId: row.node_id, ...d.details } });
        return { d, at: ws.now };
      },
      write: async (c, { d, at }) => {
        const r = await c.query(d.sql, [saeId, expectedVersion, d.params[0], d.params[1], at, who.actor]);
        if (r.rowCount !== 1) throw new Error("the application row changed during its update");
      },
    });
  }
}

function normalisePins(pins: readonly string[]): string[] {
  const out = [...new Set(pins.map((p) => p.trim().toLowerCase().replace(/:/g, "")))];
  if (out.length > 8) throw new DomainError("INVALID_INPUT", "At most 8 certificate pins per application.");
  for (const p of out) {
    if (!CERT_PIN_PATTERN.test(p)) throw new DomainError("INVALID_INPUT", `"${p.slice(0, 80)}" is not a SHA-256 fingerprint (64 hex digits, colons allowed).`);
  }
  return out;
}

function entry(r: SaeRow): Omit<SaeEntry, "pairedWith" | "deliveries"> {
  return {
    saeId: r.sae_id, nodeId: r.node_id, description: r.description, certPins: r.cert_pins, enabled: r.enabled, version: r.version,
    createdAt: r.created_at, createdBy: r.created_by, updatedAt: r.updated_at, updatedBy: r.updated_by, disabledAt: r.disabled_at,
  };
}
