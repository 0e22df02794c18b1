/**
 * A minimal node agent for the hub's tests: dials the agent port with a client
 * certificate, says hello with a given inventory, heartbeats at the welcome's
 * pace (unless silenced), and answers deliver (real receipt), purge, integrity,
 * usage (cumulative totals) and fault, keeping keys in memory; keys arrive
 * pad-encrypted (issue 18): it holds its link ends' pads (from the welcome)
 * under TEST_CHANNEL_SEED, which the hub under test must use too. It is the
 * counterpart of the real agent process (scripts/agent.ts), small enough to
 * drive every hub-side case from a test.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { fingerprintOf, receiptMac } from "../keys/material";
import { PROTOCOL_VERSION, parseFrame, REQUESTS, type AnswerBody } from "../agents/protocol/agent-protocol";
import { openStep } from "../quantum-channel/otp-hop";
import { PadStreams } from "../quantum-channel/pad-streams";

/** The QKD channel seed of test agents: give it to the hub under test (AgentTls.channelSeed). */
export const TEST_CHANNEL_SEED = new Uint8Array(32).fill(0x5e);
import type { Pem } from "./test-agent-pki";

export interface TestAgentOptions {
  url: string;
  /** The CA the hub's certificate must chain to. */
  ca: string;
  /** The client certificate; none: the handshake must fail. */
  client?: Pem;
  nodeId: string;
  /** The nodeId said in hello (default: nodeId). */
  helloNodeId?: string;
  inventory?: Array<{ keyId: string; material: Buffer } | { keyId: string; fingerprint: string }>;
  usage?: Array<{ keyId: string; total: number }>;
  storeId?: string;
}

export class TestAgent {
  readonly keys = new Map<string, Buffer>();
  readonly totals = new Map<string, number>();
  readonly faults: { drop: number; wrongConfirmation: number; silent: boolean } = { drop: 0, wrongConfirmation: 0, silent: false };
  /** What the hub answered to hello, or null when it closed instead. */
  welcome: AnswerBody<"hello"> | null = null;
  /** The close code, once the socket closed. */
  readonly closed: Promise<number>;
  private readonly fingerprints = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly pads: PadStreams;
  private constructor(readonly ws: WebSocket, readonly nodeId: string) {
    this.pads = new PadStreams(nodeId, TEST_CHANNEL_SEED);
    this.closed = new Promise((resolve) => ws.on("close", (code) => {
      if (this.timer) clearInterval(this.timer);
      resolve(code);
    }));
  }

  /**
   * Connects and says hello. Resolves once welcomed or closed (see `welcome` and `closed`);
   * rejects when the TLS handshake or the upgrade fails.
   */
  static async connect(o: TestAgentOptions): Promise<TestAgent> {
    const ws = new WebSocket(o.url, { ca: o.ca, cert: o.client?.cert, key: o.client?.key, minVersion: "TLSv1.3" });
    const agent = new TestAgent(ws, o.nodeId);
    for (const item of o.inventory ?? []) {
      if ("material" in item) agent.keys.set(item.keyId, Buffer.from(item.material));
      else agent.fingerprints.set(item.keyId, item.fingerprint);
    }
    for (const u of o.usage ?? []) agent.totals.set(u.keyId, u.total);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    ws.on("error", () => undefined);
    const welcomed = new Promise<void>((resolve) => {
      ws.on("message", (data) => {
        const f = parseFrame(data.toString("utf8"));
        if (!f) return;
        if ("re" in f) {
          if (f.ok && agent.welcome === null && "purge" in (f.body as object)) {
            agent.welcome = f.body as AnswerBody<"hello">;
            agent.pads.configure(agent.welcome.links ?? []);
            agent.startHeartbeats(agent.welcome.heartbeatMs);
            resolve();
          }
          return;
        }
        void agent.handle(f.id, f.type, f.body);
      });
      void agent.closed.then(() => resolve());
    });
    const inventory = [
      ...[...agent.keys].map(([keyId, m]) => ({ keyId, fingerprint: fingerprintOf(m) })),
      ...[...agent.fingerprints].map(([keyId, fingerprint]) => ({ keyId, fingerprint })),
    ];
    agent.send({
      v: PROTOCOL_VERSION, id: randomUUID(), type: "hello",
      body: {
        protocol: PROTOCOL_VERSION, nodeId: o.helloNodeId ?? o.nodeId, agentVersion: "test-agent/1", storeId: o.storeId ?? "store-test",
        startedAt: "2026-01-01T00:00:00.000Z", inventory, usage: [...agent.totals].map(([keyId, total]) => ({ keyId, total })),
      },
    });
    await welcomed;
    return agent;
  }

  /** Simulated local use of a key (the totals are cumulative, as the real agent reports them). */
  use(keyId: string, times = 1): void {
    this.totals.set(keyId, (this.totals.get(keyId) ?? 0) + times);
  }

  async close(): Promise<number> {
    this.ws.close(1000);
    return this.closed;
  }

  private startHeartbeats(ms: number): void {
    this.timer = setInterval(() => {
      if (this.faults.silent) return;
      this.send({ v: PROTOCOL_VERSION, id: randomUUID(), type: "heartbeat", body: { seq: this.seq++, heldKeys: this.keys.size } });
    }, ms);
    this.timer.unref();
  }

  private send(frame: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private answer(re: string, body: object): void {
    this.send({ v: PROTOCOL_VERSION, re, ok: true, body });
  }

  private async handle(id: string, type: string, body: unknown): Promise<void> {
    const b = body as Record<string, unknown>;
    switch (type) {
      case "deliver": {
        if (this.faults.drop > 0) {
          this.faults.drop -= 1;
          return;
        }
        const d = REQUESTS.deliver.body.parse(body);
        const opened = openStep(this.pads, { ...d.otp, ciphertext: Buffer.from(d.otp.ciphertext, "base64") }, Date.now());
        if (!opened.ok) return this.send({ v: PROTOCOL_VERSION, re: id, ok: false, error: { code: opened.code, message: opened.message } });
        const material = opened.value;
        this.keys.set(b.keyId as string, material);
        let mac = receiptMac(material, b.keyId as string, this.nodeId);
        if (this.faults.wrongConfirmation > 0) {
          this.faults.wrongConfirmation -= 1;
          mac = mac.replace(/^./, (c) => (c === "0" ? "1" : "0"));
        }
        return this.answer(id, { receipt: mac });
      }
      case "purge": {
        const ids = b.keyIds as string[];
        const purged = ids.filter((k) => this.keys.has(k) || this.fingerprints.has(k));
        for (const k of purged) {
          this.keys.get(k)?.fill(0);
          this.keys.delete(k);
          this.fingerprints.delete(k);
          this.totals.delete(k);
        }
        return this.answer(id, { purged, absent: ids.filter((k) => !purged.includes(k)) });
      }
      case "integrity": {
        const fingerprints: Record<string, string | null> = {};
        for (const k of b.keyIds as string[]) {
          const m = this.keys.get(k);
          fingerprints[k] = m ? fingerprintOf(m) : (this.fingerprints.get(k) ?? null);
        }
        return this.answer(id, { fingerprints });
      }
      case "usage": {
        const ids = (b.keyIds as string[] | undefined) ?? [...this.totals.keys()];
        return this.answer(id, { totals: Object.fromEntries(ids.map((k) => [k, this.totals.get(k) ?? 0])) });
      }
      case "fault": {
        const times = (b.times as number | undefined) ?? 1_000_000;
        if (b.kind === "drop") this.faults.drop = times;
        if (b.kind === "wrongConfirmation") this.faults.wrongConfirmation = times;
        if (b.kind === "silent") this.faults.silent = true;
        if (b.kind === "clear") Object.assign(this.faults, { drop: 0, wrongConfirmation: 0, silent: false });
        if (b.kind === "corrupt") {
          const m = this.keys.get(b.keyId as string);
          if (m && m.length > 0) m[0] = m[0]! ^ 0x01;
        }
        return this.answer(id, {});
      }
      default:
        this.send({ v: PROTOCOL_VERSION, re: id, ok: false, error: { code: "unknown", message: type } });
    }
  }
}
