/**
 * The agent's one link to the hub (KEY-DELIVERY.md §6.2): a WebSocket over
 * TLS ≥ 1.3 with this node's client certificate, the hub's certificate checked
 * against the Agent CA. Sends `hello` (inventory, usage totals), applies
 * `welcome.purge`, heartbeats every `heartbeatMs`, answers the hub's requests
 * through performDuty (taking its link ends from the welcome and from every
 * heartbeat answer, and reporting its pad levels with each heartbeat), and reconnects with jittered backoff (0.2 s → 5 s).
 * A link whose heartbeats go unanswered `missedLimit` times is dropped and
 * dialled again (a half-open TCP connection never looks closed by itself).
 * Close 4003 (the hub refuses this identity: the certificate's CN names no
 * node, or is not --node) is final: retrying cannot help, so the link stops
 * and calls onIdentityRefused (the process exits non-zero). Close 4009 (another
 * agent for this node is connected) is retried with the usual backoff.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import WebSocket from "ws";
import { CLOSE_DUPLICATE, CLOSE_IDENTITY, CLOSE_INVALID_FRAME, parseFrame, PROTOCOL_VERSION, ZHeartbeatAnswer, ZWelcome, type KmeCounts, type RequestType } from "../protocol/agent-protocol";
import { KME_CALLS, ZKmeAnswer, type KmeCallArgs, type KmeCallName, type KmeCallResult } from "../../kme/link/kme-calls";
import { performDuty, type DutyContext } from "./agent-duties";

export interface AgentTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface AgentLinkOptions {
  hubUrl: string;
  tls: AgentTls;
  agentVersion: string;
  startedAt: Date;
  log: Logger;
  duties: DutyContext;
  /** Time allowed for the hub to answer hello and heartbeats. */
  answerTimeoutMs?: number;
  /** The KME's answers counted since the last call (sent with each heartbeat; taken back if the heartbeat fails). */
  kmeCounts?: { drain(): KmeCounts; restore(c: KmeCounts): void };
  /** The hub closed with 4003: the link has stopped for good (scripts/agent.ts exits 4). */
  onIdentityRefused?(reason: string): void;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 5_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): a base doubling from 0.2 s, plus up to as much again at
 * random, never beyond 5 s; so 24 agents cut off together do not all dial back in the same instant.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 10));
  return Math.min(BACKOFF_MAX_MS, Math.round(base * (1 + random())));
}

export class AgentLink {
  private ws: WebSocket | null = null;
  private stopping = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, { resolve: (body: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private seq = 0;
  private unanswered = 0;
  /** The hub welcomed this link and it has not closed since: the KME may serve (it never serves on its own authority). */
  private welcomed = false;

  constructor(private readonly o: AgentLinkOptions) {}

  start(): void {
    this.dial();
  }

  /** Whether the hub link is up (welcomed, not closed): the site's KME answers 503 otherwise. */
  get connected(): boolean {
    return this.welcomed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** One KME call to the hub (server/kme/link/kme-calls.ts), its result validated; rejects when the link is down. */
  async kmeCall<N extends KmeCallName>(op: N, args: KmeCallArgs<N>): Promise<KmeCallResult<N>> {
    if (!this.connected) throw new Error("the hub link is down");
    const answer = ZKmeAnswer.parse(await this.request("kme", { op, args }));
    return KME_CALLS[op].result.parse(answer.result) as KmeCallResult<N>;
  }

  /** Closes the link cleanly (1000) and stops reconnecting; resolves when the socket is closed. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopHeartbeats();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => { ws.terminate(); resolve(); }, 2_000);
      ws.once("close", () => { clearTimeout(force); resolve(); });
      ws.close(1000, "agent stopping");
    });
  }

  private dial(): void {
    const { log } = this.o;
    log.info({ hub: this.o.hubUrl, attempt: this.attempt }, "dialling the hub");
    const ws = new WebSocket(this.o.hubUrl, {
      ca: this.o.tls.ca,
      cert: this.o.tls.cert,
      key: this.o.tls.key,
      minVersion: "TLSv1.3",
      rejectUnauthorized: true,
      maxPayload: 32 * 1024 * 1024,
      handshakeTimeout: 5_000,
    });
    this.ws = ws;
    ws.on("open", () => void this.onOpen(ws));
    ws.on("message", (data, isBinary) => this.onMessage(ws, isBinary ? "" : data.toString("utf8")));
    ws.on("error", (e) => log.warn({ err: e.message }, "hub link error"));
    ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString("utf8")));
  }

  private async onOpen(ws: WebSocket): Promise<void> {
    const { store, nodeId } = this.o.duties;
    try {
      const answer = await this.request("hello", {
        protocol: PROTOCOL_VERSION,
        nodeId,
        agentVersion: this.o.agentVersion,
        storeId: store.identity.storeId,
        startedAt: this.o.startedAt.toISOString(),
        inventory: store.inventory(),
        usage: store.usageTotals(),
      });
      const welcome = ZWelcome.parse(answer);
      this.attempt = 0;
      this.welcomed = true;
      let purged = 0;
      for (const id of welcome.purge) if (store.purge(id)) purged++;
      if (welcome.links) this.o.duties.pads.configure(welcome.links);
      this.o.log.info({ heldKeys: store.size, heartbeatMs: welcome.heartbeatMs, purgeBacklog: welcome.purge.length, purged }, "connected to the hub");
      this.startHeartbeats(ws, welcome.heartbeatMs, welcome.missedLimit);
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, "hello was not answered with a valid welcome");
      ws.terminate();
    }
  }

  private startHeartbeats(ws: WebSocket, everyMs: number, missedLimit: number): void {
    this.stopHeartbeats();
    this.unanswered = 0;
    this.heartbeatTimer = setInterval(() => {
      if (this.o.duties.faults.silent) return;
      if (this.unanswered >= missedLimit) {
        this.o.log.warn({ unanswered: this.unanswered }, "the hub stopped answering heartbeats; reconnecting");
        ws.terminate();
        return;
      }
      this.unanswered++;
      const kme = this.o.kmeCounts?.drain() ?? [];
      const pads = this.o.duties.pads.levels(this.o.duties.now().getTime());
      this.request("heartbeat", { seq: this.seq++, heldKeys: this.o.duties.store.size, ...(kme.length > 0 ? { kme } : {}), ...(pads.length > 0 ? { pads } : {}) }).then(
        (answer) => {
          this.unanswered = 0;
          const a = ZHeartbeatAnswer.safeParse(answer);
          if (a.success && a.data.links) this.o.duties.pads.configure(a.data.links);
        },
        () => this.o.kmeCounts?.restore(kme), // counted above; the next tick decides
      );
    }, everyMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private request(type: RequestType, body: unknown): Promise<unknown> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("not connected"));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`${type} not answered in time`)); }, this.o.answerTimeoutMs ?? 5_000);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, body }));
    });
  }

  private onMessage(ws: WebSocket, text: string): void {
    const frame = parseFrame(text);
    if (!frame) {
      this.o.log.warn({ bytes: text.length }, "invalid frame from the hub; closing");
      ws.close(CLOSE_INVALID_FRAME, "invalid frame");
      return;
    }
    if ("re" in frame) {
      const p = this.pending.get(frame.re);
      if (!p) return; // answered after its timeout
      this.pending.delete(frame.re);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.body);
      else p.reject(new Error(`${frame.error.code}: ${frame.error.message}`));
      return;
    }
    void performDuty(this.o.duties, frame.type, frame.body).then(
      (r) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (r.kind === "invalid") ws.close(CLOSE_INVALID_FRAME, `invalid ${frame.type} body`);
        else if (r.kind === "answer") ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: true, body: r.body }));
        else if (r.kind === "error") ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: false, error: { code: r.code, message: r.message } }));
      },
      (e: unknown) => {
        // A failure of the store (disk full, I/O error): say so, never a receipt.
        this.o.log.error({ err: (e as Error).message, type: frame.type }, "request failed");
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: false, error: { code: "agent_error", message: "the agent could not carry out the request; see its log" } }));
      },
    );
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.welcomed = false;
    this.stopHeartbeats();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error("link closed"));
      this.pending.delete(id);
    }
    this.ws = null;
    if (this.stopping) {
      this.o.log.info({ code }, "link closed");
      return;
    }
    if (code === CLOSE_IDENTITY) {
      this.stopping = true;
      this.o.log.fatal({ code, reason }, "the hub refused this agent's identity; not reconnecting");
      this.o.onIdentityRefused?.(reason);
      return;
    }
    const delay = backoffMs(this.attempt++);
    if (code === CLOSE_DUPLICATE) this.o.log.warn({ code, reason, retryInMs: delay }, "another agent for this node is connected to the hub; retrying");
    else this.o.log.warn({ code, reason, retryInMs: delay }, "link to the hub lost; reconnecting");
    this.reconnectTimer = setTimeout(() => this.dial(), delay);
  }
}

