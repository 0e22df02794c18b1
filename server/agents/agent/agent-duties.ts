/**
 * What the agent does for each hub request (KEY-DELIVERY.md §6.3): deliver
 * (check the material against its fingerprint, seal and fsync, only then the
 * receipt), purge (durable erase), integrity (fingerprints, or with a nonce a
 * proof of fresh possession), usage (cumulative totals) and fault (only with
 * --allow-faults). Plaintext material lives only for the duration of a call
 * and is zeroised after it.
 */
import { fingerprintOf, integrityProof, receiptMac, zeroise } from "../../keys/material";
import { REQUESTS, type RequestType } from "../protocol/agent-protocol";
import type { AgentFaults } from "./agent-faults";
import { CORRUPT, type SealedStore } from "./sealed-store";

export interface DutyContext {
  nodeId: string;
  store: SealedStore;
  faults: AgentFaults;
  allowFaults: boolean;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export type DutyResult =
  | { kind: "answer"; body: unknown }
  | { kind: "error"; code: string; message: string }
  /** Say nothing (a dropped delivery, a silent agent). */
  | { kind: "none" }
  /** The body did not match its schema: close the socket (1007). */
  | { kind: "invalid" };

const err = (code: string, message: string): DutyResult => ({ kind: "error", code, message });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function performDuty(ctx: DutyContext, type: RequestType, rawBody: unknown): Promise<DutyResult> {
  if (REQUESTS[type].from !== "hub") return err("unsupported", `${type} is sent by the agent, not to it`);
  if (ctx.faults.silent && type !== "fault") return { kind: "none" };
  switch (type) {
    case "deliver": {
      const b = REQUESTS.deliver.body.safeParse(rawBody);
      return b.success ? deliver(ctx, b.data) : { kind: "invalid" };
    }
    case "purge": {
      const b = REQUESTS.purge.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      const purged: string[] = [];
      const absent: string[] = [];
      await ctx.store.settled(b.data.keyIds); // a delivery of the same key still being written lands first, then goes
      for (const id of b.data.keyIds) (ctx.store.purge(id) ? purged : absent).push(id);
      if (purged.length) ctx.log.info({ purged: purged.length, absent: absent.length }, "keys purged");
      return { kind: "answer", body: { purged, absent } };
    }
    case "integrity": {
      const b = REQUESTS.integrity.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      const fingerprints: Record<string, string | null> = {};
      for (const id of b.data.keyIds) fingerprints[id] = integrityOf(ctx, id, b.data.nonce);
      return { kind: "answer", body: { fingerprints } };
    }
    case "usage": {
      const b = REQUESTS.usage.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      const ids = b.data.keyIds ?? ctx.store.inventory().map((r) => r.keyId);
      return { kind: "answer", body: { totals: Object.fromEntries(ids.map((id) => [id, ctx.store.usageTotal(id)])) } };
    }
    case "fault": {
      const b = REQUESTS.fault.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      if (!ctx.allowFaults) return err("faults_disabled", "this agent was started without --allow-faults");
      if (b.data.kind === "corrupt") {
        if (!b.data.keyId) return err("bad_request", "a corrupt fault names the keyId of a held key");
        if (!corrupt(ctx, b.data.keyId)) return err("not_held", `this agent holds no readable copy of ${b.data.keyId}`);
      }
      ctx.faults.set(b.data);
      ctx.log.warn({ fault: b.data.kind, times: b.data.times ?? null, delayMs: b.data.delayMs ?? null }, "fault injected");
      return { kind: "answer", body: {} };
    }
    default:
      return err("unsupported", `${type} is not a request an agent answers`);
  }
}

async function deliver(ctx: DutyContext, d: { keyId: string; sizeBits: number; material: string; fingerprint: string; nodePath: string[] }): Promise<DutyResult> {
  const material = Buffer.from(d.material, "base64");
  try {
    if (material.length !== Math.ceil(d.sizeBits / 8)) return err("size_mismatch", `the material is ${material.length * 8} bits, the request says ${d.sizeBits}`);
    if (fingerprintOf(material) !== d.fingerprint) return err("fingerprint_mismatch", `the material received does not match fingerprint ${d.fingerprint}`);
    const fault = ctx.faults.takeDeliveryFault();
    if (fault?.drop) return { kind: "none" };
    await ctx.store.putDurable(d.keyId, d.sizeBits, material); // sealed and fsynced: the receipt below means durable possession
    ctx.log.info({ keyId: d.keyId, fingerprint: d.fingerprint, sizeBits: d.sizeBits, nodePath: d.nodePath }, "key stored");
    const mac = receiptMac(material, d.keyId, ctx.nodeId);
    if (fault?.delayMs) await sleep(fault.delayMs);
    return { kind: "answer", body: { receipt: fault?.wrongConfirmation ? mac.replace(/^./, (c) => (c === "0" ? "1" : "0")) : mac } };
  } finally {
    zeroise(material);
  }
}

function integrityOf(ctx: DutyContext, keyId: string, nonce: string | undefined): string | null {
  const fp = ctx.store.fingerprint(keyId);
  if (fp === null || fp === CORRUPT || nonce === undefined) return fp;
  // A fresh challenge: prove possession now, from the record on disk, not from what was true at start.
  const plain = ctx.store.open(keyId);
  if (plain === null || plain === CORRUPT) return plain;
  try {
    return integrityProof(plain, keyId, ctx.nodeId, nonce);
  } finally {
    zeroise(plain);
  }
}

/** Fault: the held copy no longer matches what the hub sent (one bit flipped, re-sealed). */
function corrupt(ctx: DutyContext, keyId: string): boolean {
  const plain = ctx.store.open(keyId);
  if (plain === null || plain === CORRUPT || plain.length === 0) return false;
  try {
    plain[0] = plain[0]! ^ 0x01;
    ctx.store.put(keyId, plain.length * 8, plain);
    return true;
  } finally {
    zeroise(plain);
  }
}
