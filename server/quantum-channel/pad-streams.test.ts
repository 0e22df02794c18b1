/**
 * A node's pad stream ends (pad-streams.ts) and the relay hop maths over them
 * (otp-hop.ts): both ends of a link direction hand out the same bytes at the
 * same offset, each byte once (also after a restore from the persisted
 * snapshot), never past what the device produced; a device skip desynchronises
 * the ends; a relay re-encrypts for the next hop and its tag exposes a wrong pad.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { xor } from "../domain/quantum-channel/otp-relay";
import { hopTag, openStep, relayStep } from "./otp-hop";
import { PadStreams, type LinkEndConfig } from "./pad-streams";

const CAP = 1 << 20;

const seed = new Uint8Array(32).fill(9);
const link = (linkId: string, end: "A" | "B", peerNodeId: string, extra: Partial<LinkEndConfig> = {}): LinkEndConfig =>
  ({ linkId, end, peerNodeId, rateBps: 8_000, capacityBytes: CAP, epochMs: 0, ...extra });

function pair() {
  const hub = new PadStreams("hub", seed);
  const relay = new PadStreams("r1", seed);
  const ep = new PadStreams("ep", seed);
  hub.configure([link("hub--r1", "A", "r1")]);
  relay.configure([link("hub--r1", "B", "hub"), link("ep--r1", "B", "ep")]);
  ep.configure([link("ep--r1", "A", "r1")]);
  return { hub, relay, ep };
}

const bytes = (r: ReturnType<PadStreams["use"]>) => {
  if (!r.ok) throw new Error(r.reason);
  return Buffer.from(r.pad).toString("hex");
};

describe("pad stream ends", () => {
  it("give both ends of a direction the same bytes at the same offset, and the two directions differ", () => {
    const { hub, relay } = pair();
    expect(bytes(hub.use("hub--r1", "A>B", 100, 32, 0))).toBe(bytes(relay.use("hub--r1", "A>B", 100, 32, 0)));
    expect(bytes(hub.use("hub--r1", "B>A", 100, 32, 0))).not.toBe(bytes(hub.use("hub--r1", "A>B", 200, 32, 0)));
  });

  it("use a byte once: a second use of any byte of a range is refused (REUSE), also after a restore from the snapshot", () => {
    const { relay } = pair();
    relay.use("hub--r1", "A>B", 0, 32, 0);
    expect(relay.use("hub--r1", "A>B", 16, 32, 0)).toEqual({ ok: false, reason: "REUSE" });
    const restored = new PadStreams("r1", seed, JSON.parse(JSON.stringify(relay.snapshot())) as ReturnType<PadStreams["snapshot"]>);
    restored.configure(relay.ends());
    expect(restored.use("hub--r1", "A>B", 0, 32, 0)).toEqual({ ok: false, reason: "REUSE" });
    expect(restored.use("hub--r1", "A>B", 32, 32, 0).ok).toBe(true);
  });

  it("never go past what the device produced (a full buffer, then refilled at the rate), nor use a link the node is no end of", () => {
    const { hub } = pair();
    const small = new PadStreams("hub", seed);
    const cap = 4_096;
    small.configure([link("hub--r1", "A", "r1", { capacityBytes: cap })]);
    expect(small.use("hub--r1", "A>B", 0, cap + 1, 0)).toEqual({ ok: false, reason: "SHORT" }); // the buffer holds cap bytes
    expect(small.use("hub--r1", "A>B", 0, cap, 0).ok).toBe(true); // drained at once
    expect(small.use("hub--r1", "A>B", cap, 1, 0)).toEqual({ ok: false, reason: "SHORT" });
    expect(small.use("hub--r1", "A>B", cap, 1_001, 1_000)).toEqual({ ok: false, reason: "SHORT" }); // 8,000 bit/s for 1 s: 1,000 bytes
    expect(small.use("hub--r1", "A>B", cap, 1_000, 1_000).ok).toBe(true);
    // A long idle spell refills the buffer up to its capacity, never beyond it.
    expect(small.use("hub--r1", "A>B", cap + 1_000, cap + 1, 10_000_000)).toEqual({ ok: false, reason: "SHORT" });
    expect(small.use("hub--r1", "A>B", cap + 1_000, cap, 10_000_000).ok).toBe(true);
    expect(hub.use("ep--r1", "A>B", 0, 32, 0)).toEqual({ ok: false, reason: "UNKNOWN_LINK" });
    expect(hub.use("hub--r1", "A>B", -1, 32, 0)).toEqual({ ok: false, reason: "BAD_LENGTH" });
  });

  it("report their levels per link end and direction", () => {
    const { relay } = pair();
    relay.use("hub--r1", "A>B", 0, 32, 0);
    const l = relay.levels(0).find((x) => x.linkId === "hub--r1" && x.direction === "A>B")!;
    expect(l).toEqual({ linkId: "hub--r1", end: "B", direction: "A>B", deliveredBytes: CAP, usedBytes: 32 });
  });

  it("disagree after a device skip at one end", () => {
    const { hub, relay } = pair();
    relay.skip("hub--r1", 5);
    expect(bytes(hub.use("hub--r1", "A>B", 0, 32, 0))).not.toBe(bytes(relay.use("hub--r1", "A>B", 0, 32, 0)));
  });
});

describe("relay hop maths", () => {
  it("carries a key hub → r1 → ep: the relay's tag matches the hub's, the endpoint opens the key", () => {
    const { hub, relay, ep } = pair();
    const key = randomBytes(32);
    const pad = hub.use("hub--r1", "A>B", 0, 32, 0);
    if (!pad.ok) throw new Error(pad.reason);
    const step = relayStep(relay, "k1", { linkId: "hub--r1", direction: "A>B", offset: 0, ciphertext: xor(key, pad.pad) }, { linkId: "ep--r1", direction: "B>A", offset: 0 }, 0);
    if (!step.ok) throw new Error(step.message);
    expect(step.value.tag.equals(hopTag(key, "k1", "hub--r1"))).toBe(true);
    expect(step.value.seen.equals(key)).toBe(true);
    const opened = openStep(ep, { linkId: "ep--r1", direction: "B>A", offset: 0, ciphertext: step.value.ciphertext }, 0);
    expect(opened.ok && opened.value.equals(key)).toBe(true);
  });

  it("a relay whose pad differs answers another tag; a refused pad is an error naming the link and offset, never bytes", () => {
    const { hub, relay } = pair();
    relay.skip("hub--r1", 1);
    const key = randomBytes(32);
    const pad = hub.use("hub--r1", "A>B", 0, 32, 0);
    if (!pad.ok) throw new Error(pad.reason);
    const step = relayStep(relay, "k1", { linkId: "hub--r1", direction: "A>B", offset: 0, ciphertext: xor(key, pad.pad) }, { linkId: "ep--r1", direction: "B>A", offset: 0 }, 0);
    expect(step.ok && step.value.tag.equals(hopTag(key, "k1", "hub--r1"))).toBe(false);
    const again = relayStep(relay, "k2", { linkId: "hub--r1", direction: "A>B", offset: 0, ciphertext: key }, { linkId: "ep--r1", direction: "B>A", offset: 32 }, 0);
    expect(again).toEqual({ ok: false, code: "pad_refused", message: "pad hub--r1 A>B at 0+32 refused at r1: REUSE" });
  });
});
