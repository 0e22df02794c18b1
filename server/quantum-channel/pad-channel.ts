/**
 * The hub's view of the quantum channel (issue 18): the channel seed the
 * simulated QKD devices share, every node's link ends as the mesh now is (what
 * the hub tells each agent in its welcome and heartbeat answers), and the pad
 * ledgers of the ends that live in this process: the hub's own, and those of
 * in-process agents. Agent processes keep theirs on their own disk. The seed
 * is random per process until the agent port reads the provisioned one
 * (qkd-channel.seed beside the Agent PKI), which agent processes share.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import type { Clock } from "../time/clock";
import type { PadLevels } from "./pad-levels";
import { PadStreams, type LinkEndConfig } from "./pad-streams";

/** The channel, the store of reported levels and the clock: shared by the carrier and the agent directory. */
export interface ChannelPads {
  channel: PadChannel;
  levels: PadLevels;
  clock: Clock;
}

export interface ChannelLink {
  id: string;
  aNodeId: string;
  bNodeId: string;
  secretKeyRateBps: number;
  capacityBytes: number;
  epochMs: number;
}

export interface ChannelNode {
  id: string;
  role: "HUB" | "RELAY" | "ENDPOINT";
}

const pairOf = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export class PadChannel {
  private seed: Uint8Array;
  private readonly links = new Map<string, ChannelLink>();
  private nodes = new Map<string, ChannelNode>();
  private readonly pads = new Map<string, PadStreams>();
  private readonly byPair = new Map<string, ChannelLink[]>();
  private readonly ends = new Map<string, LinkEndConfig[]>();
  private refreshedAt: number | null = null;
  /** The mesh read under way, if any, and how many reads were started before it and it. */
  private reading: { n: number; done: Promise<void> } | null = null;
  private readsStarted = 0;

  constructor(seed?: Uint8Array) {
    this.seed = seed ?? new Uint8Array(randomBytes(32));
  }

  /** The provisioned seed (agent processes use the same file); ledgers made under another seed are dropped. */
  useSeed(seed: Uint8Array): void {
    if (Buffer.compare(Buffer.from(seed), Buffer.from(this.seed)) === 0) return;
    this.seed = new Uint8Array(seed);
    this.pads.clear();
  }

  /**
   * Reads the mesh again when the last read is older than `maxAgeMs` (figures such as key rates drift slowly).
   * Callers that find it stale together share one read: a recovery carries a thousand keys at once, and each
   * carry asks (a read per caller, as before, took ~14 s of a 1,000-key redistribution in bench:recovery).
   */
  async refreshIfOlder(db: Db, nowMs: number, maxAgeMs: number): Promise<void> {
    if (this.refreshedAt === null || nowMs - this.refreshedAt > maxAgeMs || nowMs < this.refreshedAt) {
      if (this.reading) await this.reading.done;
      else await this.refresh(db);
      this.refreshedAt = nowMs;
    }
  }

  /**
   * Reads the mesh's links and nodes (the mesh can be rewired at any time). A caller that found the copy lacking
   * waits for a read that started after it asked (one already under way may predate what it looks for); callers
   * that ask meanwhile share that read.
   */
  async refresh(db: Db): Promise<void> {
    const asked = this.readsStarted;
    for (;;) {
      const r = this.reading;
      if (r && r.n > asked) return r.done;
      if (r) {
        await r.done.catch(() => undefined);
        continue;
      }
      const n = ++this.readsStarted;
      const done = this.read(db).finally(() => {
        if (this.reading?.n === n) this.reading = null;
      });
      this.reading = { n, done };
      return done;
    }
  }

  private async read(db: Db): Promise<void> {
    const [links, nodes] = await Promise.all([
      db.link.findMany({ select: { id: true, aNodeId: true, bNodeId: true, secretKeyRateBps: true, poolCapacityBits: true, createdAt: true } }),
      db.node.findMany({ select: { id: true, role: true } }),
    ]);
    this.setMesh(
      links.map((l) => ({ id: l.id, aNodeId: l.aNodeId, bNodeId: l.bNodeId, secretKeyRateBps: l.secretKeyRateBps, capacityBytes: Math.max(1, Math.floor(Number(l.poolCapacityBits) / 8)), epochMs: l.createdAt.getTime() })),
      nodes.map((n) => ({ id: n.id, role: n.role as ChannelNode["role"] })),
    );
  }

  setMesh(links: readonly ChannelLink[], nodes: readonly ChannelNode[]): void {
    this.links.clear();
    this.byPair.clear();
    this.ends.clear();
    // One pass over the links (a mesh of a thousand nodes is read again every few seconds): each link by its pair
    // of nodes and as an end of each of its nodes.
    for (const l of links) {
      const link = { ...l };
      this.links.set(l.id, link);
      const pair = pairOf(l.aNodeId, l.bNodeId);
      const same = this.byPair.get(pair);
      if (same) same.push(link);
      else this.byPair.set(pair, [link]);
      for (const end of ["A", "B"] as const) {
        const nodeId = end === "A" ? l.aNodeId : l.bNodeId;
        const cfg: LinkEndConfig = { linkId: l.id, end, peerNodeId: end === "A" ? l.bNodeId : l.aNodeId, rateBps: l.secretKeyRateBps, capacityBytes: l.capacityBytes, epochMs: l.epochMs };
        const mine = this.ends.get(nodeId);
        if (mine) mine.push(cfg);
        else this.ends.set(nodeId, [cfg]);
      }
    }
    this.nodes = new Map(nodes.map((n) => [n.id, { ...n }]));
    for (const [nodeId, p] of this.pads) p.configure(this.endsOf(nodeId));
  }

  meshLinks(): ChannelLink[] {
    return [...this.links.values()];
  }

  /** The links joining each consecutive pair of nodes of a route (what planning its hops needs, in mesh order). */
  linksAlong(route: readonly string[]): ChannelLink[] {
    const out: ChannelLink[] = [];
    for (let i = 0; i + 1 < route.length; i++) out.push(...(this.byPair.get(pairOf(route[i]!, route[i + 1]!)) ?? []));
    return out;
  }

  meshNodes(): ReadonlyMap<string, ChannelNode> {
    return this.nodes;
  }

  /** A node's link ends. */
  endsOf(nodeId: string): LinkEndConfig[] {
    return (this.ends.get(nodeId) ?? []).map((e) => ({ ...e }));
  }

  /** The pad ledgers of a node whose ends live in this process (the hub, an in-process agent). */
  padsOf(nodeId: string): PadStreams {
    let p = this.pads.get(nodeId);
    if (!p) {
      p = new PadStreams(nodeId, this.seed);
      p.configure(this.endsOf(nodeId));
      this.pads.set(nodeId, p);
    }
    return p;
  }
}
