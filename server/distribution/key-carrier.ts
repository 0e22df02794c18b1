/**
 * Carries a key to its participants over the quantum channel (issue 18): for
 * each participant's route [hub, r1, ..., endpoint] the hub takes a pad range
 * per hop from that link direction's cursor and records the offsets with the
 * route (PadCursors: no offset is used twice, even across restarts and
 * instances; concurrent keys' ranges are taken in one batch), encrypts the key
 * with its own end of the first hop's pad, has each trusted relay decrypt and
 * re-encrypt it (checking each relay's hop tag against its own, so the first
 * hop whose two ends disagree is found and marked desynchronised), and hands
 * the endpoint the last ciphertext; the endpoint's receipt is checked later as
 * before. Any refusal or mismatch is a problem for that participant: the key
 * fails and is retried (the distribution's failure path). Problems name nodes,
 * links and offsets, never bytes.
 */
import type { Db } from "../db/client";
import { fingerprintOf } from "../keys/material";
import { planHops, RouteError, xor, type RouteHop } from "../domain/quantum-channel/otp-relay";
import { AgentTimeoutError, withTimeout, type AgentDirectory, type PadRef } from "../agents/node-agent";
import { hopTag } from "../quantum-channel/otp-hop";
import type { ChannelPads } from "../quantum-channel/pad-channel";
import { directionFrom } from "../quantum-channel/pad-streams";
import { PadCursors } from "./pad-cursors";

/** How old the carrier's copy of the mesh may be. */
const MESH_MAX_AGE_MS = 5_000;

export interface CarryRoute {
  nodeId: string;
  nodePath: readonly string[];
}

/** One hop done (material-free: what the Mesh page animates). */
export interface CarriedHop {
  keyId: string;
  linkId: string;
  from: string;
  to: string;
  hop: number;
  hops: number;
}

export interface CarryOutcome {
  nodeId: string;
  /** The endpoint's receipt, or null with the problem. */
  mac: string | null;
  problem: string | null;
  hops: CarriedHop[];
}

export class KeyCarrier {
  private readonly cursors: PadCursors;

  constructor(
    private readonly db: Db,
    private readonly agents: AgentDirectory,
    private readonly pads: ChannelPads,
    private readonly timeoutMs: number,
  ) {
    this.cursors = new PadCursors(db, (linkId, direction, upTo) => this.pads.levels.noteReserved(linkId, direction, upTo));
  }

  /** `material` is the caller's copy (it wipes it after); resolves with one outcome per route, never rejects for a hop. */
  async carry(keyId: string, sizeBits: number, material: Buffer, routes: readonly CarryRoute[]): Promise<CarryOutcome[]> {
    // The mesh as last read (at most a few seconds old); read again at once when a route names a link or node it lacks.
    await this.pads.channel.refreshIfOlder(this.db, this.pads.clock().getTime(), MESH_MAX_AGE_MS);
    let plans = routes.map((route) => this.plan(route));
    if (plans.some((p) => "problem" in p)) {
      await this.pads.channel.refresh(this.db);
      plans = routes.map((route) => this.plan(route));
    }
    // Every route's pad ranges, taken together with other keys' (one batch for all keys being carried meanwhile).
    const planned = await Promise.all(plans.map(async (p) => ("problem" in p ? p : {
      ...p, offsets: await this.cursors.take(keyId, p.route.nodeId, p.hops.map((h) => ({ linkId: h.linkId, direction: directionFrom(h.fromEnd) })), material.length),
    })));
    return Promise.all(planned.map((p) => ("problem" in p ? { nodeId: p.route.nodeId, mac: null, problem: p.problem, hops: [] } : this.carryOne(keyId, sizeBits, material, p.route, p.hops, p.offsets))));
  }

  private plan(route: CarryRoute): { route: CarryRoute; hops: RouteHop[] } | { route: CarryRoute; problem: string } {
    try {
      return { route, hops: planHops(route.nodePath, this.pads.channel.meshNodes(), this.pads.channel.linksAlong(route.nodePath)) };
    } catch (err) {
      if (!(err instanceof RouteError)) throw err;
      return { route, problem: `no pad route to ${route.nodeId}: ${err.message}` };
    }
  }

  private async carryOne(keyId: string, sizeBits: number, material: Buffer, route: CarryRoute, hops: RouteHop[], offsets: number[]): Promise<CarryOutcome> {
    const done: CarriedHop[] = [];
    const fail = (problem: string): CarryOutcome => ({ nodeId: route.nodeId, mac: null, problem, hops: done });
    const ref = (i: number): PadRef => ({ linkId: hops[i]!.linkId, direction: directionFrom(hops[i]!.fromEnd), offset: offsets[i]! });
    const hubId = hops[0]!.from;
    const hubPads = this.pads.channel.padsOf(hubId);
    const now = this.pads.clock();
    const first = ref(0);
    const pad = hubPads.use(first.linkId, first.direction, first.offset, material.length, now.getTime());
    this.pads.levels.record(hubId, hubPads.levelsOfLinks([first.linkId], now.getTime()), now);
    if (!pad.ok) return fail(`the hub's pad on ${first.linkId} (${first.direction}) at ${first.offset} was refused: ${pad.reason}`);
    let ciphertext = xor(material, pad.pad);
    pad.pad.fill(0);
    const step = (i: number) => done.push({ keyId, linkId: hops[i]!.linkId, from: hops[i]!.from, to: hops[i]!.to, hop: i + 1, hops: hops.length });
    for (let i = 1; i < hops.length; i++) {
      const relayNode = hops[i]!.from;
      const incoming = ref(i - 1);
      let answer;
      try {
        answer = await withTimeout(this.agents.agent(relayNode).relay({ keyId, sizeBits, in: { ...incoming, ciphertext }, out: ref(i) }), relayNode, this.timeoutMs);
      } catch (err) {
        return fail(`relay at ${relayNode} failed: ${describe(err)}`);
      }
      if (answer.tag !== hopTag(material, keyId, incoming.linkId).toString("hex")) {
        this.desync(incoming, keyId);
        return fail(`the pads of link ${incoming.linkId} (${incoming.direction}) disagree at offset ${incoming.offset}: relay ${relayNode} decrypted other bytes`);
      }
      step(i - 1);
      ciphertext = answer.ciphertext;
    }
    const last = ref(hops.length - 1);
    try {
      const mac = await withTimeout(
        this.agents.agent(route.nodeId).deliver({ keyId, sizeBits, otp: { ...last, ciphertext }, fingerprint: fingerprintOf(material), nodePath: route.nodePath }),
        route.nodeId, this.timeoutMs,
      );
      step(hops.length - 1);
      return { nodeId: route.nodeId, mac, problem: null, hops: done };
    } catch (err) {
      if (/fingerprint_mismatch/.test(describe(err))) {
        // Every earlier hop's tag matched: the last hop's ends disagree.
        this.desync(last, keyId);
        return fail(`the pads of link ${last.linkId} (${last.direction}) disagree at offset ${last.offset}: ${route.nodeId} decrypted other bytes`);
      }
      return fail(err instanceof AgentTimeoutError ? `no receipt from ${route.nodeId} within ${this.timeoutMs} ms` : `delivery to ${route.nodeId} failed: ${describe(err)}`);
    }
  }

  private desync(at: PadRef, keyId: string): void {
    this.pads.levels.markDesync({ linkId: at.linkId, direction: at.direction, keyId, detectedAt: this.pads.clock().toISOString() });
  }
}

/** An agent's failure in words that carry no material (agents' error messages name links, offsets and fingerprints only). */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
