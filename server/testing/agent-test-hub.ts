/**
 * A small hub for the agent-process tests: a `wss` server with mutual TLS
 * (Agent CA) speaking the agent protocol. It answers hello with a welcome
 * (optionally with a purge backlog) and heartbeats, refuses a hello whose
 * nodeId is not the certificate's CN (4003), and lets a test send deliver,
 * purge, integrity, usage and fault requests to a connected agent. Each node
 * gets one link to the hub (`hub-sov--<node>`, the hub at end A) in its
 * welcome, and `otp()` encrypts a key with the hub's end of that link's pad at
 * the next offset, as the hub's carrier does (issue 18). The real hub
 * (server/agents/hub/) does the same and more against the database.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { WebSocketServer, type WebSocket } from "ws";
import { agentPkiPaths } from "../agents/pki/agent-pki";
import { xor } from "../domain/quantum-channel/otp-relay";
import { readChannelSeed } from "../quantum-channel/channel-seed";
import { PadStreams, type LinkEndConfig } from "../quantum-channel/pad-streams";
import { systemClock } from "../time/clock";
import {
  CLOSE_IDENTITY, CLOSE_INVALID_FRAME, parseFrame, PROTOCOL_VERSION, REQUESTS, ZHello,
  type AnswerBody, type RequestBody, type RequestType,
} from "../agents/protocol/agent-protocol";

export type Hello = RequestBody<"hello">;

export interface TestHubSession {
  nodeId: string;
  hello: Hello;
  ws: WebSocket;
  heartbeats: number;
  closed: Promise<number>;
}

export interface AgentTestHubOptions {
  pkiDir: string;
  heartbeatMs?: number;
  missedLimit?: number;
  /** Keys the welcome tells this node to purge (the durable purge backlog). */
  purgeAtWelcome?: (nodeId: string) => string[];
  /** A close code to refuse this hello with (e.g. 4003, 4009), given how many hellos the node sent before; null: welcome. */
  refuseHello?: (nodeId: string, earlierHellos: number) => number | null;
}

/** A request the agent answered with an error. */
export class AgentAnswerError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export class AgentTestHub {
  readonly sessions: TestHubSession[] = [];
  /** Every hello received (also refused ones), per node, with its time: a refused agent's retries. */
  readonly hellos = new Map<string, number[]>();
  /** TLS handshakes the server refused (no certificate, another CA, …). */
  readonly refusedHandshakes: string[] = [];
  private readonly waiters: Array<{ nodeId: string; after: number; resolve: (s: TestHubSession) => void }> = [];
  private readonly pending = new Map<string, { resolve: (b: unknown) => void; reject: (e: Error) => void }>();
  private readonly hubPads: PadStreams;
  private readonly nextOffset = new Map<string, number>();
  private readonly linked = new Set<string>();

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer, private readonly o: AgentTestHubOptions) {
    this.hubPads = new PadStreams("hub-sov", readChannelSeed(agentPkiPaths(o.pkiDir).channelSeed));
  }

  /** The node's one link to the hub, from the node's end (B). */
  static linkOf(nodeId: string): LinkEndConfig {
    return { linkId: `hub-sov--${nodeId}`, end: "B", peerNodeId: "hub-sov", rateBps: 8_000, capacityBytes: 1 << 20, epochMs: 0 };
  }

  /** The key encrypted with the hub's end of the node's link pad at the next offset (the deliver body's `otp`). */
  otp(nodeId: string, material: Buffer): { linkId: string; direction: "A>B"; offset: number; ciphertext: string } {
    this.linked.add(nodeId);
    this.hubPads.configure([...this.linked].map((n) => ({ ...AgentTestHub.linkOf(n), end: "A" as const, peerNodeId: n })));
    const linkId = AgentTestHub.linkOf(nodeId).linkId;
    const offset = this.nextOffset.get(linkId) ?? 0;
    this.nextOffset.set(linkId, offset + material.length);
    const pad = this.hubPads.use(linkId, "A>B", offset, material.length, Date.now());
    if (!pad.ok) throw new Error(`the test hub's pad refused: ${pad.reason}`);
    return { linkId, direction: "A>B", offset, ciphertext: Buffer.from(xor(material, pad.pad)).toString("base64") };
  }

  static async start(o: AgentTestHubOptions): Promise<AgentTestHub> {
    const p = agentPkiPaths(o.pkiDir);
    const server = createServer({
      ca: readFileSync(p.caCert), cert: readFileSync(p.hubCert), key: readFileSync(p.hubKey),
      requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3",
    });
    const wss = new WebSocketServer({ server, path: "/agent/v1" });
    const hub = new AgentTestHub(server, wss, o);
    server.on("tlsClientError", (e) => hub.refusedHandshakes.push(e.message));
    wss.on("connection", (ws, req) => {
      const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
      hub.onConnection(ws, typeof cn === "string" ? cn : ""); // several CNs name no one
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return hub;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `wss://127.0.0.1:${this.port}/agent/v1`;
  }

  /** The next session of `nodeId` opened after `after` sessions were seen in total (default: now). */
  nextSession(nodeId: string, after = this.sessions.length): Promise<TestHubSession> {
    const found = this.sessions.slice(after).find((s) => s.nodeId === nodeId);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ nodeId, after, resolve }));
  }

  latest(nodeId: string): TestHubSession | undefined {
    return this.sessions.filter((s) => s.nodeId === nodeId).at(-1);
  }

  /** Sends a request to the latest session of `nodeId`; rejects with AgentAnswerError or on timeout. */
  request<T extends RequestType>(nodeId: string, type: T, body: RequestBody<T>, timeoutMs = 5_000): Promise<AnswerBody<T>> {
    const s = this.latest(nodeId);
    if (!s) return Promise.reject(new Error(`no session for ${nodeId}`));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`${type} to ${nodeId} not answered within ${timeoutMs} ms`)); }, timeoutMs);
      this.pending.set(id, {
        resolve: (b) => { clearTimeout(timer); resolve(REQUESTS[type].answer.parse(b) as AnswerBody<T>); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      s.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, body }));
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onConnection(ws: WebSocket, cn: string): void {
    let session: TestHubSession | null = null;
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.on("message", (data) => {
      const frame = parseFrame(data.toString("utf8"));
      if (!frame) return ws.close(CLOSE_INVALID_FRAME, "invalid frame");
      if ("re" in frame) {
        const p = this.pending.get(frame.re);
        this.pending.delete(frame.re);
        if (frame.ok) p?.resolve(frame.body);
        else p?.reject(new AgentAnswerError(frame.error.code, frame.error.message));
        return;
      }
      const answer = (body: unknown) => ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: true, body }));
      if (frame.type === "hello") {
        const hello = ZHello.safeParse(frame.body);
        if (!hello.success) return ws.close(CLOSE_INVALID_FRAME, "invalid hello");
        if (hello.data.nodeId !== cn) return ws.close(CLOSE_IDENTITY, "hello.nodeId is not the certificate's CN");
        const earlier = this.hellos.get(cn) ?? [];
        this.hellos.set(cn, [...earlier, performance.now()]);
        const refuse = this.o.refuseHello?.(cn, earlier.length);
        if (refuse) return ws.close(refuse, refuse === CLOSE_IDENTITY ? "identity refused" : "duplicate session");
        session = { nodeId: cn, hello: hello.data, ws, heartbeats: 0, closed };
        this.sessions.push(session);
        answer({ heartbeatMs: this.o.heartbeatMs ?? 200, missedLimit: this.o.missedLimit ?? 3, purge: this.o.purgeAtWelcome?.(cn) ?? [], hubTime: systemClock().toISOString(), links: [AgentTestHub.linkOf(cn)] });
        for (const w of [...this.waiters]) {
          if (w.nodeId === cn && this.sessions.length > w.after) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(session);
          }
        }
        return;
      }
      if (frame.type === "heartbeat" && session) {
        session.heartbeats++;
        const hb = REQUESTS.heartbeat.body.parse(frame.body);
        return answer({ seq: hb.seq });
      }
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: false, error: { code: "unsupported", message: `${frame.type} before hello or not handled by the test hub` } }));
    });
  }
}
