/**
 * The node agents when they are processes (QECNET_AGENTS=process): the same
 * AgentDirectory the distribution, purge, integrity and simulation code use,
 * answered over each node's live session (the agent listener registers them).
 * A node without a session, or whose last heartbeat is older than
 * missedLimit × heartbeatMs, fails its heartbeat like a silent in-process
 * agent, so it goes OFFLINE through the simulator's usual path. Usage is
 * reported by agents as cumulative totals; the hub keeps the last total per
 * (key, node) and hands out differences, so a lost answer is counted by the
 * next one and never twice. Right after the agent port starts listening, a
 * node without a session is "awaited" rather than silent for a grace period
 * (missedLimit × heartbeatMs plus the agents' longest reconnect backoff and some slack), so a
 * console restart does not take every node OFFLINE and rotate their keys.
 */
import type { ChannelPads } from "../../quantum-channel/pad-channel";
import type { Clock } from "../../time/clock";
import type { AgentFault } from "../in-process-agents";
import { AgentAwaitedError, type AgentDirectory, type Delivery, type NodeAgent, type ReconnectListener, type RelayAnswer, type RelayRequest } from "../node-agent";
import { AgentGoneError, type AgentSession } from "./agent-session";

export interface RemoteAgentsOptions {
  clock: Clock;
  /** Per-request timeout (QECNET_RECEIPT_TIMEOUT_MS). */
  receiptTimeoutMs: number;
  heartbeatMs: number;
  missedLimit: number;
  /** After the port starts listening, how long a node with no session counts as awaited (default missedLimit × heartbeatMs + 10 s). */
  startupGraceMs?: number;
}

/**
 * How this instance reaches an agent connected to another console instance of the same database
 * (implemented by agent-relay.ts): the published session, and the four duties run over it.
 */
export interface InstanceRelay {
  readonly instanceId: string;
  holder(nodeId: string): Promise<{ instanceId: string; lastHeartbeatAt: Date; heldKeys: number } | undefined>;
  cachedSession(nodeId: string): { instanceId: string; agentVersion: string; storeId: string; connectedAt: Date; lastHeartbeatAt: Date; heldKeys: number } | undefined;
  deliver(nodeId: string, d: Delivery): Promise<string>;
  relay(nodeId: string, r: RelayRequest): Promise<RelayAnswer>;
  purge(nodeId: string, keyId: string): Promise<boolean>;
  integrity(nodeId: string, keyId: string): Promise<string | null>;
  prove(nodeId: string, keyId: string, nonceHex: string): Promise<string | null>;
  usage(nodeId: string, keyId: string): Promise<number>;
}

/** The agents' longest reconnect backoff (5 s, server/agents/agent/agent-link.ts), plus slack for a busy machine. */
const RECONNECT_SLACK_MS = 10_000;

/** The agent's heartbeat is too old (or there is no session): the node counts as silent. */
export class AgentSilentError extends Error {
  constructor(readonly nodeId: string, detail: string) {
    super(`node ${nodeId}: ${detail}`);
    this.name = "AgentSilentError";
  }
}

/** Whether a directory is RemoteAgents, across bundles (Next.js may load this module twice: compare the marker, not the class). */
export function isRemoteAgents(agents: AgentDirectory): agents is RemoteAgents {
  return (agents as Partial<RemoteAgents>).kind === "agent-processes";
}

export class RemoteAgents implements AgentDirectory {
  readonly kind = "agent-processes" as const;
  private readonly sessions = new Map<string, AgentSession>();
  private readonly lastTotals = new Map<string, number>();
  private readonly agents = new Map<string, RemoteAgent>();
  private readonly local = new Map<string, RemoteAgent>();
  /** Reaches agents connected to other console instances (agent-relay.ts); null: this instance alone. */
  relay: InstanceRelay | null = null;
  /** The quantum channel (set by buildServices): link ends for welcomes and heartbeat answers, levels from heartbeats. */
  pads: ChannelPads | null = null;
  private readonly reconnectListeners: ReconnectListener[] = [];
  private listeningSince: Date | null = null;

  constructor(readonly opts: RemoteAgentsOptions) {}

  onReconnect(listener: ReconnectListener): void {
    this.reconnectListeners.push(listener);
  }

  /** Called by the listener once a hello was answered (welcome sent): the purge service applies the node's backlog. */
  reconnected(nodeId: string, inventory: readonly string[]): void {
    for (const l of this.reconnectListeners) l(nodeId, inventory);
  }

  /** Called by the listener once the port listens: the startup grace runs from now. */
  markListening(): void {
    this.listeningSince = this.opts.clock();
  }

  /** Whether a node with no session is still awaited (the port is not listening yet, or only just started). */
  awaiting(): boolean {
    if (!this.listeningSince) return true;
    const grace = this.opts.startupGraceMs ?? this.opts.missedLimit * this.opts.heartbeatMs + RECONNECT_SLACK_MS;
    return this.opts.clock().getTime() - this.listeningSince.getTime() < grace;
  }

  /** A node's agent: over this instance's session when it holds one, else through the instance that does. */
  agent(nodeId: string): RemoteAgent {
    let a = this.agents.get(nodeId);
    if (!a) {
      a = new RemoteAgent(nodeId, this, true);
      this.agents.set(nodeId, a);
    }
    return a;
  }

  /** A node's agent over this instance's own session only (what a relayed request runs on). */
  localAgent(nodeId: string): RemoteAgent {
    let a = this.local.get(nodeId);
    if (!a) {
      a = new RemoteAgent(nodeId, this, false);
      this.local.set(nodeId, a);
    }
    return a;
  }

  useRelay(relay: InstanceRelay | null): void {
    this.relay = relay;
  }

  /** The live session of a node, if any. */
  session(nodeId: string): AgentSession | undefined {
    const s = this.sessions.get(nodeId);
    return s && !s.closed ? s : undefined;
  }

  /** A session is healthy while its heartbeats arrive within missedLimit × heartbeatMs. */
  healthy(s: AgentSession): boolean {
    return !s.closed && s.silentForMs() <= this.opts.missedLimit * this.opts.heartbeatMs;
  }

  /** Called by the listener once a hello was accepted (it has already refused a duplicate). */
  attach(s: AgentSession): void {
    this.sessions.set(s.nodeId, s);
  }

  /** Called by the listener when a socket closes; true when it was the node's current session. */
  detach(s: AgentSession): boolean {
    s.end();
    if (this.sessions.get(s.nodeId) !== s) return false;
    this.sessions.delete(s.nodeId);
    return true;
  }

  connected(): AgentSession[] {
    return [...this.sessions.values()].filter((s) => !s.closed);
  }

  /** Fault injection into a real agent started with --allow-faults (the same API as the in-process agents). */
  async setFault(nodeId: string, fault: AgentFault | null): Promise<void> {
    const s = this.live(nodeId);
    const t = this.opts.receiptTimeoutMs;
    if (!fault) {
      await s.request("fault", { kind: "clear" }, t);
      return;
    }
    if (fault.ignorePurge) throw new Error("ignorePurge cannot be injected into an agent process (the protocol has no such fault)");
    const times = fault.times;
    if (fault.drop) await s.request("fault", { kind: "drop", times }, t);
    if (fault.delayMs) await s.request("fault", { kind: "delay", delayMs: fault.delayMs, times }, t);
    if (fault.wrongConfirmation) await s.request("fault", { kind: "wrongConfirmation", times }, t);
    if (fault.silent) await s.request("fault", { kind: "silent" }, t);
    if (fault.leak) await s.request("fault", { kind: "leak" }, t);
  }

  /** Fault: the agent's QKD device on a link loses `bytes` (that link's ends disagree from then on). */
  async padSkip(nodeId: string, linkId: string, bytes: number): Promise<void> {
    await this.live(nodeId).request("fault", { kind: "padSkip", linkId, bytes }, this.opts.receiptTimeoutMs);
  }

  /** The agent's QKD device on a link realigns with its peer (resynchronisation); false when the node is no end of it. */
  async resync(nodeId: string, linkId: string): Promise<boolean> {
    return (await this.live(nodeId).request("resync", { linkId }, this.opts.receiptTimeoutMs)).realigned;
  }

  /** Fault: the agent flips a bit of its copy of a key; false when it holds none. */
  async corrupt(nodeId: string, keyId: string): Promise<boolean> {
    const s = this.live(nodeId);
    const held = await s.request("integrity", { keyIds: [keyId] }, this.opts.receiptTimeoutMs);
    if (!held.fingerprints[keyId]) return false;
    await s.request("fault", { kind: "corrupt", keyId }, this.opts.receiptTimeoutMs);
    return true;
  }

  live(nodeId: string): AgentSession {
    const s = this.session(nodeId);
    if (!s) throw new AgentGoneError(nodeId);
    return s;
  }

  /** The difference between a cumulative total and the last one seen for (key, node). */
  usageSince(nodeId: string, keyId: string, total: number): number {
    const k = `${keyId}/${nodeId}`;
    const last = this.lastTotals.get(k) ?? 0;
    this.lastTotals.set(k, total);
    // A smaller total means the agent's counters restarted (a wiped store): all of it is new.
    return total >= last ? total - last : total;
  }

  forgetUsage(nodeId: string, keyId: string): void {
    this.lastTotals.delete(`${keyId}/${nodeId}`);
  }
}

export class RemoteAgent implements NodeAgent {
  constructor(
    readonly nodeId: string,
    private readonly dir: RemoteAgents,
    /** Whether a node without a session here is reached through another instance (the relay). */
    private readonly relayed: boolean,
  ) {}

  /** The relay to use for this call: only when this instance holds no session for the node. */
  private via(): InstanceRelay | null {
    return this.relayed && !this.dir.session(this.nodeId) ? this.dir.relay : null;
  }

  deliver(d: Delivery): Promise<string> {
    const relay = this.via();
    if (relay) return relay.deliver(this.nodeId, d);
    const body = { keyId: d.keyId, sizeBits: d.sizeBits, otp: { ...d.otp, ciphertext: Buffer.from(d.otp.ciphertext).toString("base64") }, fingerprint: d.fingerprint, nodePath: [...d.nodePath] };
    let s: AgentSession;
    try {
      s = this.dir.live(this.nodeId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return s.request("deliver", body, this.dir.opts.receiptTimeoutMs).then((a) => a.receipt);
  }

  async relay(r: RelayRequest): Promise<RelayAnswer> {
    const relay = this.via();
    if (relay) return relay.relay(this.nodeId, r);
    const body = { keyId: r.keyId, sizeBits: r.sizeBits, in: { ...r.in, ciphertext: Buffer.from(r.in.ciphertext).toString("base64") }, out: { ...r.out } };
    const a = await this.dir.live(this.nodeId).request("relay", body, this.dir.opts.receiptTimeoutMs);
    return { ciphertext: new Uint8Array(Buffer.from(a.ciphertext, "base64")), tag: a.tag };
  }

  async purge(keyId: string): Promise<boolean> {
    const relay = this.via();
    if (relay) return relay.purge(this.nodeId, keyId);
    const a = await this.dir.live(this.nodeId).request("purge", { keyIds: [keyId] }, this.dir.opts.receiptTimeoutMs);
    this.dir.forgetUsage(this.nodeId, keyId);
    return a.purged.includes(keyId);
  }

  async heartbeat(): Promise<{ heldKeys: number }> {
    const relay = this.via();
    if (relay) {
      const p = await relay.holder(this.nodeId);
      if (!p && this.dir.awaiting()) throw new AgentAwaitedError(this.nodeId);
      if (!p) throw new AgentSilentError(this.nodeId, "no agent connected to any console instance");
      const silentMs = this.dir.opts.clock().getTime() - p.lastHeartbeatAt.getTime();
      // The holder publishes once a heartbeat and rows are read at most every 500 ms: allow for both.
      if (silentMs > (this.dir.opts.missedLimit + 1) * this.dir.opts.heartbeatMs + 500) throw new AgentSilentError(this.nodeId, `no heartbeat for ${silentMs} ms (connected to another console instance)`);
      return { heldKeys: p.heldKeys };
    }
    const s = this.dir.session(this.nodeId);
    if (!s && this.dir.awaiting()) throw new AgentAwaitedError(this.nodeId);
    if (!s) throw new AgentSilentError(this.nodeId, "no agent connected");
    if (!this.dir.healthy(s)) throw new AgentSilentError(this.nodeId, `no heartbeat for ${s.silentForMs()} ms`);
    return { heldKeys: s.heldKeys };
  }

  async integrity(keyId: string): Promise<string | null> {
    const relay = this.via();
    if (relay) return relay.integrity(this.nodeId, keyId);
    const a = await this.dir.live(this.nodeId).request("integrity", { keyIds: [keyId] }, this.dir.opts.receiptTimeoutMs);
    return a.fingerprints[keyId] ?? null;
  }

  async prove(keyId: string, nonceHex: string): Promise<string | null> {
    const relay = this.via();
    if (relay) return relay.prove(this.nodeId, keyId, nonceHex);
    const a = await this.dir.live(this.nodeId).request("integrity", { keyIds: [keyId], nonce: nonceHex }, this.dir.opts.receiptTimeoutMs);
    return a.fingerprints[keyId] ?? null;
  }

  async usage(keyId: string): Promise<number> {
    const relay = this.via();
    if (relay) return relay.usage(this.nodeId, keyId);
    const a = await this.dir.live(this.nodeId).request("usage", { keyIds: [keyId] }, this.dir.opts.receiptTimeoutMs);
    return this.dir.usageSince(this.nodeId, keyId, a.totals[keyId] ?? 0);
  }
}
