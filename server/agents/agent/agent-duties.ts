/**
 * What the agent does for each hub request (KEY-DELIVERY.md §6.3): deliver
 * (decrypt the key with the last hop's pad, check it against its fingerprint,
 * seal and fsync, only then the receipt), relay (a trusted relay's hop of the
 * one-time-pad relay, issue 18; a leaking relay notes the key's id), purge (durable erase), integrity (fingerprints, or with a nonce a
 * proof of fresh possession), usage (cumulative totals) and fault (only with
 * --allow-faults). Plaintext material lives only for the duration of a call
 * and is zeroised after it. The pad ledgers are persisted before any answer
 * that used pad (even a refusal), so no pad byte is ever used twice.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprintOf, integrityProof, receiptMac, zeroise } from "../../keys/material";
import { openStep, relayStep, type OtpCiphertext } from "../../quantum-channel/otp-hop";
import type { PadStreams } from "../../quantum-channel/pad-streams";
import { REQUESTS, type RequestBody, type RequestType } from "../protocol/agent-protocol";
import type { AgentFaults } from "./agent-faults";
import { CORRUPT, type SealedStore } from "./sealed-store";

export interface DutyContext {
  nodeId: string;
  store: SealedStore;
  faults: AgentFaults;
  allowFaults: boolean;
  /** This node's ends of the link pads, and how to persist them (before answering). */
  pads: PadStreams;
  /** Persists the pad ledgers; resolves once every pad use made before the call is durable (answer only after it). */
  savePads(): Promise<void>;
  /** Where a leaking relay notes what it saw. */
  dataDir: string;
  now(): Date;
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
    case "relay": {
      const b = REQUESTS.relay.body.safeParse(rawBody);
      return b.success ? relay(ctx, b.data) : { kind: "invalid" };
    }
    case "purge": {
      const b = REQUESTS.purge.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      const purged: string[] = [];
      const absent: string[] = [];
      await ctx.store.settled(b.data.keyIds); // a delivery of the same key still being written lands first, then goes
      const had = await ctx.store.purgeDurable(b.data.keyIds);
      b.data.keyIds.forEach((id, i) => (had[i] ? purged : absent).push(id));
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
    case "resync": {
      const b = REQUESTS.resync.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      const realigned = ctx.pads.realign(b.data.linkId);
      if (realigned) ctx.log.info({ linkId: b.data.linkId }, "pad device realigned");
      return { kind: "answer", body: { realigned } };
    }
    case "fault": {
      const b = REQUESTS.fault.body.safeParse(rawBody);
      if (!b.success) return { kind: "invalid" };
      if (!ctx.allowFaults) return err("faults_disabled", "this agent was started without --allow-faults");
      if (b.data.kind === "corrupt") {
        if (!b.data.keyId) return err("bad_request", "a corrupt fault names the keyId of a held key");
        if (!corrupt(ctx, b.data.keyId)) return err("not_held", `this agent holds no readable copy of ${b.data.keyId}`);
      }
      if (b.data.kind === "padSkip") {
        if (!b.data.linkId || !b.data.bytes) return err("bad_request", "a padSkip fault names a linkId and a number of bytes");
        if (!ctx.pads.skip(b.data.linkId, b.data.bytes)) return err("not_an_end", `this node is no end of link ${b.data.linkId}`);
      }
      ctx.faults.set(b.data);
      ctx.log.warn({ fault: b.data.kind, times: b.data.times ?? null, delayMs: b.data.delayMs ?? null }, "fault injected");
      return { kind: "answer", body: {} };
    }
    default:
      return err("unsupported", `${type} is not a request an agent answers`);
  }
}

const otpOf = (o: { linkId: string; direction: "A>B" | "B>A"; offset: number; ciphertext: string }): OtpCiphertext => ({ ...o, ciphertext: Buffer.from(o.ciphertext, "base64") });

async function deliver(ctx: DutyContext, d: RequestBody<"deliver">): Promise<DutyResult> {
  if (Buffer.from(d.otp.ciphertext, "base64").length !== Math.ceil(d.sizeBits / 8)) return err("size_mismatch", `the ciphertext is not ${d.sizeBits} bits`);
  const opened = openStep(ctx.pads, otpOf(d.otp), ctx.now().getTime());
  const saved = ctx.savePads(); // the pad range is spent whatever comes next: durable before any answer
  try {
    return await delivered(ctx, d, opened);
  } finally {
    await saved;
  }
}

async function delivered(ctx: DutyContext, d: RequestBody<"deliver">, opened: ReturnType<typeof openStep>): Promise<DutyResult> {
  if (!opened.ok) return err(opened.code, opened.message);
  const material = opened.value;
  try {
    // A desynchronised pad anywhere on the route decrypts to other bytes: refused, never stored.
    if (fingerprintOf(material) !== d.fingerprint) return err("fingerprint_mismatch", `the key decrypted does not match fingerprint ${d.fingerprint}`);
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

async function relay(ctx: DutyContext, r: RequestBody<"relay">): Promise<DutyResult> {
  const incoming = otpOf(r.in);
  if (incoming.ciphertext.length !== Math.ceil(r.sizeBits / 8)) return err("size_mismatch", `the ciphertext is not ${r.sizeBits} bits`);
  const step = relayStep(ctx.pads, r.keyId, incoming, r.out, ctx.now().getTime());
  const saved = ctx.savePads(); // both ranges are spent whatever comes next: durable before any answer
  try {
    return await relayed(ctx, r, step);
  } finally {
    await saved;
  }
}

async function relayed(ctx: DutyContext, r: RequestBody<"relay">, step: ReturnType<typeof relayStep>): Promise<DutyResult> {
  if (!step.ok) return err(step.code, step.message);
  const { ciphertext, tag, seen } = step.value;
  try {
    if (ctx.faults.leak) {
      // The demo compromise: this relay keeps a note of every key it saw (its id and fingerprint, never the bytes).
      appendFileSync(join(ctx.dataDir, "leaked.jsonl"), `${JSON.stringify({ keyId: r.keyId, fingerprint: fingerprintOf(seen), at: ctx.now().toISOString() })}\n`, { mode: 0o600 });
    }
    ctx.log.info({ keyId: r.keyId, from: r.in.linkId, to: r.out.linkId }, "key relayed");
    return { kind: "answer", body: { ciphertext: Buffer.from(ciphertext).toString("base64"), tag: tag.toString("hex") } };
  } finally {
    zeroise(seen);
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
