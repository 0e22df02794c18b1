/**
 * Node agents that live in the server process, driven by the simulation. Each
 * keeps its keys in memory and computes real receipts from the material it
 * received. Faults can be injected per node: drop (never answer a delivery),
 * delay (answer late), wrongConfirmation (answer a receipt that does not prove
 * possession), silent (stop answering heartbeats: the node goes offline),
 * ignorePurge (never answer a purge instruction), each
 * optionally for the next n deliveries only; and corrupt(nodeId, keyId) flips a
 * bit of a held copy (its integrity report then mismatches the fingerprint).
 * Clearing a fault that made the node unreachable (silent, ignorePurge) counts
 * as a reconnect, like an agent process's accepted hello: the directory tells
 * its reconnect listeners (the purge service applies the node's backlog), with
 * the keys the node holds. restart(nodeId, { wipe }) stands for an agent
 * process restarted with its store intact or wiped. Keys arrive encrypted
 * with link pads and are relayed hop by hop (issue 18) with the same maths as
 * agent processes (server/quantum-channel/otp-hop.ts), over pad ledgers kept
 * in memory by the hub's PadChannel; leak (a compromised relay notes every key
 * it relays) and padSkip (a node's device on a link loses bytes) are faults too.
 */
import { fingerprintOf, integrityProof, receiptMac } from "../keys/material";
import { openStep, relayStep } from "../quantum-channel/otp-hop";
import type { ChannelPads } from "../quantum-channel/pad-channel";
import type { PadStreams } from "../quantum-channel/pad-streams";
import { systemClock } from "../time/clock";
import type { AgentDirectory, Delivery, NodeAgent, ReconnectListener, RelayAnswer, RelayRequest } from "./node-agent";



export interface AgentFault {
  drop?: boolean;
  delayMs?: number;
  wrongConfirmation?: boolean;
  silent?: boolean;
  /** Never answer a purge instruction (the message is lost, or the node is down): the hub must ask again. */
  ignorePurge?: boolean;
  /** A compromised relay: it notes every key it relays (leakedBy()). */
  leak?: boolean;
  /** Apply the delivery faults to this many deliveries, then clear them. */
  times?: number;
}

export class InProcessAgents implements AgentDirectory {
  private readonly agents = new Map<string, InProcessAgent>();
  private readonly faults = new Map<string, AgentFault>();
  private readonly reconnectListeners: ReconnectListener[] = [];
  private readonly leaked = new Map<string, Array<{ keyId: string; fingerprint: string; at: string }>>();
  /** The quantum channel these agents use (set by buildServices, shared with the carrier). */
  pads: ChannelPads | null = null;

  /** A node's pad ledgers (its ends of every link), configured from the mesh as the hub last read it. */
  padsFor(nodeId: string): PadStreams {
    if (!this.pads) throw new Error("the in-process agents have no quantum channel (services not built)");
    return this.pads.channel.padsOf(nodeId);
  }

  /** After a pad was used: the node's levels (of the links named, else all) as the Mesh page shows them. */
  reportPads(nodeId: string, linkIds?: readonly string[]): void {
    if (!this.pads) return;
    const now = this.pads.clock();
    const pads = this.padsFor(nodeId);
    this.pads.levels.record(nodeId, linkIds ? pads.levelsOfLinks(linkIds, now.getTime()) : pads.levels(now.getTime()), now);
  }

  /** Fault: the node's QKD device on a link loses bytes (its end and the other disagree from then on). */
  padSkip(nodeId: string, linkId: string, bytes: number): boolean {
    return this.padsFor(nodeId).skip(linkId, bytes);
  }

  /** The node's QKD device on a link realigns with its peer (resynchronisation); false when the node is no end of it. */
  async resync(nodeId: string, linkId: string): Promise<boolean> {
    return this.padsFor(nodeId).realign(linkId);
  }

  /** What a leaking relay noted (key ids and fingerprints, never material). */
  leakedBy(nodeId: string): Array<{ keyId: string; fingerprint: string; at: string }> {
    return [...(this.leaked.get(nodeId) ?? [])];
  }

  noteLeak(nodeId: string, entry: { keyId: string; fingerprint: string; at: string }): void {
    const list = this.leaked.get(nodeId) ?? [];
    list.push(entry);
    this.leaked.set(nodeId, list);
  }

  onReconnect(listener: ReconnectListener): void {
    this.reconnectListeners.push(listener);
  }

  /** The node's agent came back (a cleared outage, a restart): the listeners learn what it holds. */
  reconnected(nodeId: string): void {
    const inventory = this.agent(nodeId).inventory();
    for (const l of this.reconnectListeners) l(nodeId, inventory);
  }

  /** Stands for an agent process restarted (kill -9 and start): faults cleared, the store kept or wiped, then a reconnect. */
  restart(nodeId: string, opts: { wipe?: boolean } = {}): void {
    this.faults.delete(nodeId);
    if (opts.wipe) this.agent(nodeId).wipe();
    this.reconnected(nodeId);
  }

  agent(nodeId: string): InProcessAgent {
    let a = this.agents.get(nodeId);
    if (!a) {
      a = new InProcessAgent(nodeId, this);
      this.agents.set(nodeId, a);
    }
    return a;
  }

  setFault(nodeId: string, fault: AgentFault | null): void {
    const was = this.faults.get(nodeId);
    if (fault) this.faults.set(nodeId, { ...fault });
    else this.faults.delete(nodeId);
    // Unreachable before, reachable now: the same contract as an agent process's reconnect.
    const unreachable = (f: AgentFault | null | undefined) => !!(f?.silent || f?.ignorePurge);
    if (unreachable(was) && !unreachable(fault)) this.reconnected(nodeId);
  }

  faultOf(nodeId: string): AgentFault | undefined {
    return this.faults.get(nodeId);
  }

  /** Consumes one use of a node's delivery fault. */
  takeDeliveryFault(nodeId: string): AgentFault | undefined {
    const f = this.faults.get(nodeId);
    if (!f || !(f.drop || f.delayMs || f.wrongConfirmation)) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) this.faults.delete(nodeId);
    }
    return f;
  }

  /** Fault: flips one bit of the copy a node holds; false when it holds none. */
  corrupt(nodeId: string, keyId: string): boolean {
    return this.agent(nodeId).corrupt(keyId);
  }

  knownNodes(): string[] {
    return [...this.agents.keys()];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class InProcessAgent implements NodeAgent {
  private readonly store = new Map<string, Buffer>();
  private readonly uses = new Map<string, number>();

  constructor(
    readonly nodeId: string,
    private readonly directory: InProcessAgents,
  ) {}

  async deliver(d: Delivery): Promise<string> {
    const opened = openStep(this.directory.padsFor(this.nodeId), d.otp, this.now());
    this.directory.reportPads(this.nodeId, [d.otp.linkId]);
    if (!opened.ok) throw new Error(`${opened.code}: ${opened.message}`);
    const material = opened.value;
    if (fingerprintOf(material) !== d.fingerprint) {
      material.fill(0);
      throw new Error(`fingerprint_mismatch: the key decrypted at ${this.nodeId} does not match fingerprint ${d.fingerprint}`);
    }
    const fault = this.directory.takeDeliveryFault(this.nodeId);
    if (fault?.drop) {
      material.fill(0);
      return new Promise<string>(() => undefined); // the message was lost: no answer ever comes
    }
    this.store.get(d.keyId)?.fill(0);
    this.store.set(d.keyId, material);
    if (fault?.delayMs) await sleep(fault.delayMs);
    const mac = receiptMac(material, d.keyId, this.nodeId);
    return fault?.wrongConfirmation ? mac.replace(/^./, (c) => (c === "0" ? "1" : "0")) : mac;
  }

  async relay(r: RelayRequest): Promise<RelayAnswer> {
    const step = relayStep(this.directory.padsFor(this.nodeId), r.keyId, r.in, r.out, this.now());
    this.directory.reportPads(this.nodeId, [r.in.linkId, r.out.linkId]);
    if (!step.ok) throw new Error(`${step.code}: ${step.message}`);
    const { ciphertext, tag, seen } = step.value;
    if (this.directory.faultOf(this.nodeId)?.leak) {
      this.directory.noteLeak(this.nodeId, { keyId: r.keyId, fingerprint: fingerprintOf(seen), at: new Date(this.now()).toISOString() });
    }
    seen.fill(0);
    return { ciphertext, tag: tag.toString("hex") };
  }

  private now(): number {
    return (this.directory.pads?.clock ?? systemClock)().getTime();
  }

  async purge(keyId: string): Promise<boolean> {
    if (this.directory.faultOf(this.nodeId)?.ignorePurge) return new Promise<boolean>(() => undefined);
    const m = this.store.get(keyId);
    if (!m) return false;
    m.fill(0);
    this.store.delete(keyId);
    this.uses.delete(keyId);
    return true;
  }

  async heartbeat(): Promise<{ heldKeys: number }> {
    if (this.directory.faultOf(this.nodeId)?.silent) return new Promise(() => undefined);
    return { heldKeys: this.store.size };
  }

  async integrity(keyId: string): Promise<string | null> {
    const m = this.store.get(keyId);
    return m ? fingerprintOf(m) : null;
  }

  async prove(keyId: string, nonceHex: string): Promise<string | null> {
    const m = this.store.get(keyId);
    return m ? integrityProof(m, keyId, this.nodeId, nonceHex) : null;
  }

  async usage(keyId: string): Promise<number> {
    const n = this.uses.get(keyId) ?? 0;
    this.uses.set(keyId, 0);
    return n;
  }

  /** Simulated use of a key by the node's applications. */
  use(keyId: string, times = 1): void {
    if (this.store.has(keyId)) this.uses.set(keyId, (this.uses.get(keyId) ?? 0) + times);
  }

  /** Test and demo fault: the held copy no longer matches what the hub sent. */
  corrupt(keyId: string): boolean {
    const m = this.store.get(keyId);
    if (!m || m.length === 0) return false;
    m[0] = m[0]! ^ 0x01;
    return true;
  }

  holds(keyId: string): boolean {
    return this.store.has(keyId);
  }

  /** The key ids held (what an agent process reports in its hello). */
  inventory(): string[] {
    return [...this.store.keys()];
  }

  /** Loses every held copy (a restart with a wiped store). */
  wipe(): void {
    for (const m of this.store.values()) m.fill(0);
    this.store.clear();
    this.uses.clear();
  }
}
