/**
 * Several console instances share the node agents (issue 14). An agent process
 * holds one session, with the instance it dialled; that instance publishes the
 * session in `agent_sessions` (version, store, last heartbeat, held keys: never
 * key ids or material), and every other instance reaches the agent through it:
 * a request goes out as a PostgreSQL notification addressed to the holding
 * instance, which runs it over its own session (deliver, purge, integrity
 * and its nonce proof, usage, exactly as a local call: receipts, proofs and usage differences are
 * the holder's) and notifies the answer back.
 *
 * - Material crosses as ciphertext only: encrypted with a link's one-time pad
 *   (issue 18), which neither instance can read without that link's pads; the
 *   holding instance forwards it as is (deliver, and a relay hop).
 * - A node whose row is missing, or whose published heartbeat is older than
 *   missedLimit × heartbeatMs, is silent to every instance: an instance that
 *   dies leaves its rows ageing, so its agents' nodes go OFFLINE as if the
 *   agents had fallen silent, until they reconnect elsewhere.
 * - A request the holder does not answer within the receipt timeout fails
 *   with AgentTimeoutError, the same failure as a silent agent.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { poolOf, type Db } from "../../db/client";
import type { KeyVault } from "../../keys/key-vault";
import type { Clock } from "../../time/clock";
import { AgentTimeoutError, type Delivery, type PadRef, type RelayAnswer, type RelayRequest } from "../node-agent";
import { AgentGoneError, AgentRefusedError } from "./agent-session";
import type { InstanceRelay, RemoteAgents } from "./remote-agents";

export const RELAY_CHANNEL = "qecnet_agent_relay";
/** PostgreSQL refuses notification payloads of 8,000 bytes or more. */
const MAX_PAYLOAD = 7_900;

/** A session as the holding instance published it. */
export interface PublishedSession {
  nodeId: string;
  instanceId: string;
  agentVersion: string;
  storeId: string;
  connectedAt: Date;
  lastHeartbeatAt: Date;
  heldKeys: number;
}

type Otp64 = PadRef & { ciphertext: string };
type RelayOp =
  | { op: "deliver"; keyId: string; sizeBits: number; otp: Otp64; fingerprint: string; nodePath: string[] }
  | { op: "relay"; keyId: string; sizeBits: number; in: Otp64; out: PadRef }
  | { op: "purge"; keyId: string }
  | { op: "integrity"; keyId: string }
  | { op: "prove"; keyId: string; nonce: string }
  | { op: "usage"; keyId: string };

type RelayMessage =
  | { k: "req"; id: string; from: string; to: string; nodeId: string; body: RelayOp }
  | { k: "ans"; id: string; from: string; to: string; nodeId: string; ok: true; value: string | boolean | number | null }
  | { k: "ans"; id: string; from: string; to: string; nodeId: string; ok: false; error: { name: string; code?: string; message: string } };

export interface AgentRelayOptions {
  db: Db;
  /** The database URL, for the relay's own LISTEN connection. */
  url: string;
  agents: RemoteAgents;
  vault: Pick<KeyVault, "sealInTransit" | "withMaterialInTransit">;
  clock: Clock;
  /** Defaults to a fresh UUID: one per process. */
  instanceId?: string;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

interface Pending {
  resolve(v: string | boolean | number | null): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class AgentRelay implements InstanceRelay {
  readonly instanceId: string;
  private client: pg.Client | null = null;
  private stopped = false;
  private publishTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, Pending>();
  private cache: { readAt: number; rows: Map<string, PublishedSession> } = { readAt: -Infinity, rows: new Map() };
  private reading: Promise<Map<string, PublishedSession>> | null = null;

  constructor(private readonly opts: AgentRelayOptions) {
    this.instanceId = opts.instanceId ?? randomUUID();
  }

  /** Listens for requests and answers addressed to this instance, and publishes its sessions every heartbeat. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
    this.opts.agents.useRelay(this);
    await this.publish();
    this.publishTimer = setInterval(() => void this.publish().catch((err: unknown) => this.opts.log?.warn({ error: (err as Error).message }, "publishing agent sessions failed")), this.opts.agents.opts.heartbeatMs);
    this.publishTimer.unref();
  }

  /** Stops listening, fails what still waits, and withdraws this instance's sessions. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.publishTimer) clearInterval(this.publishTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.opts.agents.useRelay(null);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error("the agent relay stopped"));
      this.pending.delete(id);
    }
    await poolOf(this.opts.db).query(`DELETE FROM agent_sessions WHERE instance_id = $1`, [this.instanceId]).catch(() => undefined);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  /**
   * Writes this instance's live sessions to `agent_sessions` and removes its rows for nodes it no longer holds.
   * A row another instance holds is taken over only by a newer connection (an agent has one connection at a time).
   */
  async publish(): Promise<void> {
    const mine = this.opts.agents.connected();
    const pool = poolOf(this.opts.db);
    if (mine.length > 0) {
      await pool.query(
        `INSERT INTO agent_sessions (node_id, instance_id, agent_version, store_id, connected_at, last_heartbeat_at, held_keys)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::int[])
         ON CONFLICT (node_id) DO UPDATE SET instance_id = EXCLUDED.instance_id, agent_version = EXCLUDED.agent_version,
           store_id = EXCLUDED.store_id, connected_at = EXCLUDED.connected_at, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
           held_keys = EXCLUDED.held_keys
         WHERE agent_sessions.instance_id = EXCLUDED.instance_id OR agent_sessions.connected_at <= EXCLUDED.connected_at`,
        [
          mine.map((s) => s.nodeId),
          mine.map(() => this.instanceId),
          mine.map((s) => s.info.agentVersion),
          mine.map((s) => s.info.storeId),
          mine.map((s) => s.info.connectedAt),
          mine.map((s) => s.lastHeartbeatAt),
          mine.map((s) => s.heldKeys),
        ],
      );
    }
    await pool.query(`DELETE FROM agent_sessions WHERE instance_id = $1 AND NOT (node_id = ANY($2::text[]))`, [this.instanceId, mine.map((s) => s.nodeId)]);
    this.cache.readAt = -Infinity;
  }

  /** The published sessions, read at most every half heartbeat (the simulator asks for every node at every tick). */
  async sessions(): Promise<Map<string, PublishedSession>> {
    const fresh = Math.min(500, this.opts.agents.opts.heartbeatMs / 2);
    if (performance.now() - this.cache.readAt < fresh) return this.cache.rows;
    this.reading ??= (async () => {
      try {
        const { rows } = await poolOf(this.opts.db).query<{ node_id: string; instance_id: string; agent_version: string; store_id: string; connected_at: Date; last_heartbeat_at: Date; held_keys: number }>(
          `SELECT node_id, instance_id, agent_version, store_id, connected_at, last_heartbeat_at, held_keys FROM agent_sessions`,
        );
        const map = new Map<string, PublishedSession>();
        for (const r of rows) {
          map.set(r.node_id, { nodeId: r.node_id, instanceId: r.instance_id, agentVersion: r.agent_version, storeId: r.store_id, connectedAt: r.connected_at, lastHeartbeatAt: r.last_heartbeat_at, heldKeys: r.held_keys });
        }
        this.cache = { readAt: performance.now(), rows: map };
        return map;
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  /** The last sessions read (no query): for synchronous views such as the Mesh node panel. */
  cachedSession(nodeId: string): PublishedSession | undefined {
    return this.cache.rows.get(nodeId);
  }

  cachedSessions(): Iterable<PublishedSession> {
    return this.cache.rows.values();
  }

  /** The session another instance holds for the node, if any (this instance's own rows are not relayed to). */
  async holder(nodeId: string): Promise<PublishedSession | undefined> {
    const row = (await this.sessions()).get(nodeId);
    return row && row.instanceId !== this.instanceId ? row : undefined;
  }

  /** Delivers over the holding instance's session (the key pad-encrypted, as the agent gets it); resolves with the agent's receipt. */
  deliver(nodeId: string, d: Delivery): Promise<string> {
    const body: RelayOp = { op: "deliver", keyId: d.keyId, sizeBits: d.sizeBits, otp: { ...d.otp, ciphertext: Buffer.from(d.otp.ciphertext).toString("base64") }, fingerprint: d.fingerprint, nodePath: [...d.nodePath] };
    return this.call(nodeId, body) as Promise<string>;
  }

  /** A relay hop over the holding instance's session. */
  async relay(nodeId: string, r: RelayRequest): Promise<RelayAnswer> {
    const body: RelayOp = { op: "relay", keyId: r.keyId, sizeBits: r.sizeBits, in: { ...r.in, ciphertext: Buffer.from(r.in.ciphertext).toString("base64") }, out: { ...r.out } };
    const a = JSON.parse((await this.call(nodeId, body)) as string) as { ciphertext: string; tag: string };
    return { ciphertext: new Uint8Array(Buffer.from(a.ciphertext, "base64")), tag: a.tag };
  }

  purge(nodeId: string, keyId: string): Promise<boolean> {
    return this.call(nodeId, { op: "purge", keyId }) as Promise<boolean>;
  }

  integrity(nodeId: string, keyId: string): Promise<string | null> {
    return this.call(nodeId, { op: "integrity", keyId }) as Promise<string | null>;
  }

  /** The agent's integrity proof for a fresh nonce, computed by the agent (the holder only forwards it). */
  prove(nodeId: string, keyId: string, nonceHex: string): Promise<string | null> {
    return this.call(nodeId, { op: "prove", keyId, nonce: nonceHex }) as Promise<string | null>;
  }

  usage(nodeId: string, keyId: string): Promise<number> {
    return this.call(nodeId, { op: "usage", keyId }) as Promise<number>;
  }

  private async call(nodeId: string, body: RelayOp): Promise<string | boolean | number | null> {
    const holder = await this.holder(nodeId);
    if (!holder) throw new AgentGoneError(nodeId);
    const timeoutMs = this.opts.agents.opts.receiptTimeoutMs;
    const id = randomUUID();
    const answer = new Promise<string | boolean | number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentTimeoutError(nodeId, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    try {
      await this.send({ k: "req", id, from: this.instanceId, to: holder.instanceId, nodeId, body });
    } catch (err) {
      const p = this.pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(id);
      }
      throw err;
    }
    return answer;
  }

  private async send(m: RelayMessage): Promise<void> {
    const text = JSON.stringify(m);
    if (Buffer.byteLength(text) > MAX_PAYLOAD) throw new Error(`an agent relay message of ${Buffer.byteLength(text)} bytes is over PostgreSQL's notification limit`);
    await poolOf(this.opts.db).query(`SELECT pg_notify($1, $2)`, [RELAY_CHANNEL, text]);
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.opts.url });
    c.on("error", () => this.reconnectSoon(c));
    c.on("end", () => this.reconnectSoon(c));
    c.on("notification", (n) => {
      if (n.channel === RELAY_CHANNEL && n.payload) void this.receive(n.payload);
    });
    await c.connect();
    await c.query(`LISTEN ${RELAY_CHANNEL}`);
    this.client = c;
  }

  private reconnectSoon(c: pg.Client): void {
    if (this.stopped || this.client !== c) return;
    this.client = null;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch((err: unknown) => {
        this.opts.log?.warn({ error: (err as Error).message }, "agent relay: reconnecting to PostgreSQL failed; retrying");
        this.reconnectSoon(this.client ?? c);
      });
    }, 1_000);
    this.reconnectTimer.unref();
  }

  private async receive(payload: string): Promise<void> {
    let m: RelayMessage;
    try {
      m = JSON.parse(payload) as RelayMessage;
    } catch {
      return;
    }
    if (m.to !== this.instanceId) return;
    if (m.k === "ans") {
      const p = this.pending.get(m.id);
      if (!p) return; // answered after its timeout
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(relayedError(m.nodeId, m.error, this.opts.agents.opts.receiptTimeoutMs));
      return;
    }
    let answer: RelayMessage;
    try {
      const value = await this.run(m.nodeId, m.body);
      answer = { k: "ans", id: m.id, from: this.instanceId, to: m.from, nodeId: m.nodeId, ok: true, value };
    } catch (err) {
      const e = err as Error & { code?: string };
      // The error's own message names the node and what failed; it never carries material.
      answer = { k: "ans", id: m.id, from: this.instanceId, to: m.from, nodeId: m.nodeId, ok: false, error: { name: e.name, code: e.code, message: e.message } };
    }
    await this.send(answer).catch((err: unknown) => this.opts.log?.error({ nodeId: m.nodeId, error: (err as Error).message }, "agent relay: answering failed"));
  }

  /** Runs a relayed request over this instance's own session (never relayed again: no session here is AgentGoneError). */
  private async run(nodeId: string, body: RelayOp): Promise<string | boolean | number | null> {
    const agents = this.opts.agents;
    if (!agents.session(nodeId)) throw new AgentGoneError(nodeId);
    const agent = agents.localAgent(nodeId);
    switch (body.op) {
      case "deliver":
        return agent.deliver({ keyId: body.keyId, sizeBits: body.sizeBits, otp: { ...body.otp, ciphertext: Buffer.from(body.otp.ciphertext, "base64") }, fingerprint: body.fingerprint, nodePath: body.nodePath });
      case "relay": {
        const a = await agent.relay({ keyId: body.keyId, sizeBits: body.sizeBits, in: { ...body.in, ciphertext: Buffer.from(body.in.ciphertext, "base64") }, out: body.out });
        return JSON.stringify({ ciphertext: Buffer.from(a.ciphertext).toString("base64"), tag: a.tag });
      }
      case "purge":
        return agent.purge(body.keyId);
      case "integrity":
        return agent.integrity(body.keyId);
      case "prove":
        return agent.prove(body.keyId, body.nonce);
      case "usage":
        return agent.usage(body.keyId);
      default:
        // A notification on the channel from anything but another instance of this console: refused, answered as such.
        throw new Error(`unknown relay request: ${String((body as { op?: unknown }).op)}`);
    }
  }
}

/** An error answered by the holding instance, rebuilt as the same kind where callers tell kinds apart (a time-out is a missing receipt). */
function relayedError(nodeId: string, e: { name: string; code?: string; message: string }, timeoutMs: number): Error {
  if (e.name === "AgentTimeoutError") return new AgentTimeoutError(nodeId, timeoutMs);
  if (e.name === "AgentGoneError") return new AgentGoneError(nodeId);
  if (e.name === "AgentRefusedError") return new AgentRefusedError(nodeId, e.code ?? "error", e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
