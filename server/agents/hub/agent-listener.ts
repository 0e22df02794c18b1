/**
 * The hub's agent port (KEY-DELIVERY.md §6.2): WebSocket over TLS ≥ 1.3 with
 * mutual authentication against the Agent CA. A client without a certificate,
 * or with one from another CA, never completes the handshake. After it, the
 * certificate's CN is the node id: a CN that names no node, or a hello for
 * another node, is closed with 4003; a second agent for a node whose session
 * is healthy with 4009 (a stale one is replaced). A hello is answered with
 * `welcome` once the inventory is reconciled (inventory-reconcile.ts).
 * Connections, disconnections, refusals and lost copies are audited through
 * the write path (one runner job each); lost copies and mismatches then go to
 * the integrity path (onIntegrityLoss); frames are never logged.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readChannelSeed } from "../../quantum-channel/channel-seed";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { WebSocketServer, type WebSocket } from "ws";
import type { Db } from "../../db/client";
import type { TransitionRunner } from "../../commit/transition-runner";
import type { JsonValue } from "../../domain/audit/types";
import type { Clock } from "../../time/clock";
import { CLOSE_DUPLICATE, CLOSE_IDENTITY, CLOSE_INVALID_FRAME, PROTOCOL_VERSION, ZHeartbeat, ZHello, parseFrame, type KmeCounts } from "../protocol/agent-protocol";
import { AgentSession } from "./agent-session";
import { loadHoldings, planReconcile } from "./inventory-reconcile";
import type { RemoteAgents } from "./remote-agents";
import { KME_CALLS, ZKmeCall, type KmeCallHandler } from "../../kme/link/kme-calls";

export const AGENT_PATH = "/agent/v1";
const ACTOR = "system:agent-listener";
/** A connection that sends no hello within this time is closed. */
const HELLO_TIMEOUT_MS = 10_000;

export interface AgentTls {
  /** PEM: the Agent CA, the hub's certificate and its private key. */
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  /** The simulated QKD devices' seed the agents share (qkd-channel.seed beside the Agent CA), when provisioned. */
  channelSeed?: Uint8Array;
}

/**
 * Reads the PEM files of the agent port (paths from the environment, default `<pki dir>/agent-ca.crt` etc.), and the
 * QKD channel seed beside the CA when there is one (issue 18: the hub's own link ends derive their pads from it).
 */
export function readAgentTls(paths: { ca: string; cert: string; key: string; channelSeed?: string }): AgentTls {
  const read = (what: string, p: string) => {
    try {
      return readFileSync(p);
    } catch {
      throw new Error(`the agent port needs ${what} at ${p} (run \`npm run pki:dev\`, or set QECNET_AGENT_CA / QECNET_AGENT_HUB_CERT / QECNET_AGENT_HUB_KEY)`);
    }
  };
  const seedPath = paths.channelSeed ?? join(dirname(paths.ca), "qkd-channel.seed");
  return {
    ca: read("the Agent CA certificate", paths.ca), cert: read("the hub's certificate", paths.cert), key: read("the hub's private key", paths.key),
    ...(existsSync(/*turbopackIgnore: true*/ seedPath) ? { channelSeed: readChannelSeed(seedPath) } : {}),
  };
}

export interface AgentListenerOptions {
  db: Db;
  runner: TransitionRunner;
  agents: RemoteAgents;
  clock: Clock;
  tls: AgentTls;
  /**
   * Held copies that do not match the recorded fingerprint, and confirmed copies of ACTIVE/ROTATING keys the agent no
   * longer holds (a wiped or lost store): both are integrity losses, handled by the recovery service's integrity
   * path (the keys are revoked and replaced). Called once per hello with both lists (at least one not empty).
   */
  onIntegrityLoss?(nodeId: string, loss: { mismatched: string[]; lost: string[] }): Promise<unknown>;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Answers the calls of each site's KME (server/kme/hub/kme-hub.ts); without it, `kme` requests are refused. */
  kme?: KmeCallHandler;
  /** What a site's KME answered since its agent's last heartbeat (metrics). */
  onKmeCounts?(nodeId: string, counts: KmeCounts): void;
}

export class AgentListener {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;

  constructor(private readonly opts: AgentListenerOptions) {}

  /** Listens on host:port (port 0: any free port); resolves with the bound port. */
  async start(port: number, host = "127.0.0.1"): Promise<number> {
    const { channelSeed, ...pem } = this.opts.tls;
    // The hub's own link ends use the seed the agents were provisioned with.
    if (channelSeed) this.opts.agents.pads?.channel.useSeed(channelSeed);
    else this.opts.log?.warn({}, "no QKD channel seed beside the Agent CA (qkd-channel.seed; npm run pki:dev writes it): keys to agent processes will fail as desynchronised");
    const server = createServer({
      ...pem,
      minVersion: "TLSv1.3",
      requestCert: true,
      rejectUnauthorized: true,
    });
    // Anything that is not the agent WebSocket gets a plain 404.
    server.on("request", (_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const wss = new WebSocketServer({ server, path: AGENT_PATH, maxPayload: 16 * 1024 * 1024 });
    wss.on("connection", (ws, req) => this.accept(ws, req.socket as TLSSocket));
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.opts.agents.markListening();
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.opts.agents.connected()) s.ws.close(1001, "hub stopping");
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections(); // close() alone would wait for idle keep-alive sockets
      await closed;
    }
    this.server = null;
    this.wss = null;
  }

  /** Pings every session; a socket that did not answer the previous ping is dead (half-open TCP) and is dropped. */
  checkLiveness(): void {
    for (const s of this.opts.agents.connected()) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  private accept(ws: WebSocket, socket: TLSSocket): void {
    const cn = String(socket.getPeerCertificate()?.subject?.CN ?? "").slice(0, 64);
    let session: AgentSession | null = null;
    const helloTimer = setTimeout(() => ws.close(CLOSE_INVALID_FRAME, "no hello"), HELLO_TIMEOUT_MS);
    const nodeExists = this.nodeExists(cn);
    ws.on("close", () => {
      clearTimeout(helloTimer);
      if (session && this.opts.agents.detach(session)) {
        this.audit("AGENT_DISCONNECTED", session.nodeId, { agentVersion: session.info.agentVersion, storeId: session.info.storeId });
      }
    });
    ws.on("error", () => undefined); // a reset socket closes; nothing to add
    ws.on("pong", () => {
      if (session) session.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      const frame = isBinary ? null : parseFrame(data.toString("utf8"));
      if (!frame) return ws.close(CLOSE_INVALID_FRAME, "invalid frame");
      if ("re" in frame) {
        if (!session) return ws.close(CLOSE_INVALID_FRAME, "hello first");
        const ok = frame.ok ? session.answer(frame.re, true, frame.body) : session.answer(frame.re, false, undefined, frame.error);
        if (!ok) ws.close(CLOSE_INVALID_FRAME, "invalid answer");
        return;
      }
      if (frame.type === "hello") {
        if (session) return ws.close(CLOSE_INVALID_FRAME, "hello twice");
        const hello = ZHello.safeParse(frame.body);
        if (!hello.success) return ws.close(CLOSE_INVALID_FRAME, "invalid hello");
        clearTimeout(helloTimer);
        // The session is this socket's from the moment the hub can send it requests (attached, before the welcome):
        // an answer that comes back before hello has finished is then taken, not closed as "hello first".
        void this.hello(ws, cn, nodeExists, frame.id, hello.data, (s) => (session = s)).then(
          (s) => {
            session = s;
          },
          (err: unknown) => {
            this.opts.log?.error({ nodeId: cn, error: (err as Error).name }, "agent hello failed");
            ws.close(1011, "hello failed");
          },
        );
        return;
      }
      if (frame.type === "heartbeat" && session) {
        const hb = ZHeartbeat.safeParse(frame.body);
        if (!hb.success) return ws.close(CLOSE_INVALID_FRAME, "invalid heartbeat");
        session.heartbeat(hb.data.heldKeys);
        if (hb.data.kme?.length) this.opts.onKmeCounts?.(session.nodeId, hb.data.kme);
        const pads = this.opts.agents.pads;
        if (pads && hb.data.pads?.length) pads.levels.record(session.nodeId, hb.data.pads, this.opts.clock());
        const links = pads ? { links: pads.channel.endsOf(session.nodeId) } : {};
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: true, body: { seq: hb.data.seq, ...links } }));
        return;
      }
      if (frame.type === "kme" && session && this.opts.kme) {
        this.kmeCall(ws, session.nodeId, frame.id, frame.body);
        return;
      }
      // Anything else from an agent (before hello, or a hub-side request type) is not allowed.
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: frame.id, ok: false, error: { code: "not_allowed", message: `${frame.type} is not accepted from an agent here` } }));
    });
  }

  /** One call of the site's KME, answered on the same socket; the site is the session's node (the certificate CN), never the call's word. */
  private kmeCall(ws: WebSocket, nodeId: string, id: string, body: unknown): void {
    const send = (frame: object) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ v: PROTOCOL_VERSION, re: id, ...frame }));
    };
    const call = ZKmeCall.safeParse(body);
    const args = call.success ? KME_CALLS[call.data.op].args.safeParse(call.data.args) : null;
    if (!call.success || !args?.success) {
      send({ ok: false, error: { code: "invalid_call", message: "the KME call does not match the protocol" } });
      return;
    }
    const op = call.data.op;
    this.opts.kme!.call(nodeId, op, args.data as never).then(
      (result) => send({ ok: true, body: { result } }),
      (err: unknown) => {
        // By name only: a message could quote anything.
        this.opts.log?.error({ nodeId, op, error: (err as Error).name }, "KME call failed");
        send({ ok: false, error: { code: "kme_failed", message: "the hub could not answer the KME call" } });
      },
    );
  }

  private async hello(ws: WebSocket, cn: string, nodeExists: Promise<boolean>, id: string, hello: ReturnType<typeof ZHello.parse>, attached: (s: AgentSession) => void): Promise<AgentSession | null> {
    const { agents, clock } = this.opts;
    if (!(await nodeExists) || hello.nodeId !== cn) {
      const reason = !(await nodeExists) ? `certificate CN "${cn}" names no node` : `hello for ${hello.nodeId} on a certificate for ${cn}`;
      await this.audit("AGENT_REJECTED", cn || "(no CN)", { reason, helloNodeId: hello.nodeId, closeCode: CLOSE_IDENTITY });
      ws.close(CLOSE_IDENTITY, "identity mismatch");
      return null;
    }
    const current = agents.session(cn);
    if (current && agents.healthy(current)) {
      await this.audit("AGENT_REJECTED", cn, { reason: "a healthy session for this node is already connected", closeCode: CLOSE_DUPLICATE, storeId: hello.storeId });
      ws.close(CLOSE_DUPLICATE, "duplicate session");
      return null;
    }
    if (current) current.ws.terminate(); // stale: the new connection replaces it
    if (ws.readyState !== ws.OPEN) return null;

    const plan = planReconcile(await loadHoldings(this.opts.db, cn), hello.inventory);
    const session = new AgentSession(ws, { nodeId: cn, agentVersion: hello.agentVersion, storeId: hello.storeId, agentStartedAt: hello.startedAt, connectedAt: clock() }, hello.inventory.length, clock);
    if (current) agents.detach(current);
    agents.attach(session);
    attached(session);
    if (ws.readyState !== ws.OPEN) {
      agents.detach(session); // it went away while we read its holdings
      return null;
    }
    for (const u of hello.usage) agents.usageSince(cn, u.keyId, u.total);
    await this.runner(cn, [
      { action: "AGENT_CONNECTED", details: { agentVersion: hello.agentVersion, storeId: hello.storeId, heldKeys: hello.inventory.length, purge: plan.purge.length, lost: plan.lost.length, mismatched: plan.mismatched.length } },
      ...plan.lost.map((keyId) => ({ action: "AGENT_KEY_COPY_LOST", subjectType: "key", subjectId: keyId, details: { nodeId: cn, storeId: hello.storeId } })),
    ]);
    // The node's link ends as the mesh is now (its pads' devices need them before any relay or delivery).
    if (agents.pads) await agents.pads.channel.refresh(this.opts.db);
    const links = agents.pads ? { links: agents.pads.channel.endsOf(cn) } : {};
    ws.send(JSON.stringify({
      v: PROTOCOL_VERSION, re: id, ok: true,
      body: { heartbeatMs: agents.opts.heartbeatMs, missedLimit: agents.opts.missedLimit, purge: plan.purge, hubTime: clock().toISOString(), ...links },
    }));
    agents.reconnected(cn, hello.inventory.map((i) => i.keyId));
    if ((plan.mismatched.length || plan.lost.length) && this.opts.onIntegrityLoss) {
      void this.opts.onIntegrityLoss(cn, { mismatched: plan.mismatched, lost: plan.lost }).catch((err: unknown) => this.opts.log?.error({ nodeId: cn, error: (err as Error).name }, "integrity incident at hello failed"));
    }
    return session;
  }

  private async nodeExists(id: string): Promise<boolean> {
    if (!id) return false;
    return (await this.opts.db.node.findUnique({ where: { id }, select: { id: true } })) !== null;
  }

  private audit(action: string, nodeId: string, details: Record<string, JsonValue>): Promise<void> {
    return this.runner(nodeId, [{ action, details }]).catch((err: unknown) => {
      this.opts.log?.error({ nodeId, action, error: (err as Error).name }, "agent audit entry failed");
    });
  }

  private async runner(nodeId: string, entries: Array<{ action: string; subjectType?: string; subjectId?: string; details: Record<string, JsonValue> }>): Promise<void> {
    await this.opts.runner.submit({
      keyIds: [],
      run: (ws) => {
        for (const e of entries) {
          ws.audit({ actor: ACTOR, action: e.action, subjectType: e.subjectType ?? "node", subjectId: e.subjectId ?? nodeId, fromState: null, toState: null, details: e.details });
        }
      },
    });
  }
}
