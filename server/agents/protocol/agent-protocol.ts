/**
 * The node-agent protocol (KEY-DELIVERY.md §6.2–§6.3): UTF-8 JSON frames over
 * one WebSocket per site agent, inside mutual TLS (Agent CA). Either side sends
 * requests `{v,id,type,body}` and answers `{v,re,ok,body|error}`. Both ends
 * validate every frame with these schemas; anything else closes the socket
 * (1007). Key material never travels in the clear: `relay` and `deliver` carry
 * it encrypted with a link's one-time pad (issue 18), which the hub forwarding
 * it cannot read without that link's pads; it is never logged and never echoed
 * back: possession is proven with the receipt HMAC.
 */
import { z } from "zod";
import { ZKmeAnswer, ZKmeCall } from "../../kme/link/kme-calls";

export const PROTOCOL_VERSION = 1;
/** Close codes: a hello that names another node than the certificate, or a node that does not exist. */
export const CLOSE_IDENTITY = 4003;
/** A second agent for a node whose session is healthy. */
export const CLOSE_DUPLICATE = 4009;
/** A frame that is not valid JSON or does not match its schema. */
export const CLOSE_INVALID_FRAME = 1007;

const ZNodeId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/);
const ZKeyId = z.uuid();
const ZFingerprint = z.string().min(1).max(128); // "SHA256:<hex>" or "corrupt"
const ZHex = z.string().regex(/^[0-9a-f]+$/).max(256);

const ZLinkId = z.string().min(1).max(140);
/** One of the agent's link ends (issue 18): what its simulated QKD device needs to produce pad. */
export const ZLinkEnd = z.object({
  linkId: ZLinkId,
  end: z.enum(["A", "B"]),
  peerNodeId: ZNodeId,
  rateBps: z.number().min(0).max(1e12),
  capacityBytes: z.number().int().min(1).max(2 ** 40),
  epochMs: z.number().int().min(0),
});
const ZLinkEnds = z.array(ZLinkEnd).max(1000);
const ZDirection = z.enum(["A>B", "B>A"]);
/** Where a hop's pad lies in a link direction's key stream. */
export const ZPadRef = z.object({ linkId: ZLinkId, direction: ZDirection, offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
/** A key encrypted with that pad (base64; as long as the key). */
export const ZOtp = ZPadRef.extend({ ciphertext: z.base64().max(16_384) });
export const ZPadLevel = z.object({
  linkId: ZLinkId,
  end: z.enum(["A", "B"]),
  direction: ZDirection,
  deliveredBytes: z.number().int().min(0),
  usedBytes: z.number().int().min(0),
});

export const ZHello = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  nodeId: ZNodeId,
  agentVersion: z.string().min(1).max(64),
  storeId: z.string().min(1).max(64),
  startedAt: z.iso.datetime(),
  inventory: z.array(z.object({ keyId: ZKeyId, fingerprint: ZFingerprint })).max(100_000),
  usage: z.array(z.object({ keyId: ZKeyId, total: z.number().int().min(0) })).max(100_000),
});
export const ZWelcome = z.object({
  heartbeatMs: z.number().int().positive(),
  missedLimit: z.number().int().positive(),
  purge: z.array(ZKeyId),
  hubTime: z.iso.datetime(),
  /** This node's link ends (issue 18); absent from an older hub. */
  links: ZLinkEnds.optional(),
});
/** What the site's KME answered since the last heartbeat, counted (the hub's qecnet_etsi014_requests_total). */
export const ZKmeCounts = z.array(z.object({
  method: z.string().max(16),
  endpoint: z.enum(["status", "enc_keys", "dec_keys"]).nullable(),
  status: z.number().int().min(100).max(599),
  reason: z.string().max(64).nullable(),
  n: z.number().int().min(1),
})).max(500);
export type KmeCounts = z.infer<typeof ZKmeCounts>;
export const ZHeartbeat = z.object({
  seq: z.number().int().min(0),
  heldKeys: z.number().int().min(0),
  kme: ZKmeCounts.optional(),
  /** The agent's pad levels per link end and direction (issue 18). */
  pads: z.array(ZPadLevel).max(2000).optional(),
});
/** `links`: the node's link ends now (the mesh can be rewired). */
export const ZHeartbeatAnswer = z.object({ seq: z.number().int().min(0), links: ZLinkEnds.optional() });
/** The key for this endpoint, encrypted with its last hop's pad; the fingerprint lets it check what it decrypted. */
export const ZDeliver = z.object({
  keyId: ZKeyId,
  sizeBits: z.number().int().min(8).max(65_536),
  otp: ZOtp,
  fingerprint: ZFingerprint,
  nodePath: z.array(ZNodeId).max(64),
});
export const ZDeliverAnswer = z.object({ receipt: ZHex });
/** A trusted relay's hop: decrypt with the `in` pad, re-encrypt with the `out` pad. */
export const ZRelay = z.object({ keyId: ZKeyId, sizeBits: z.number().int().min(8).max(65_536), in: ZOtp, out: ZPadRef });
/** The re-encrypted key, and the hop tag of what the relay decrypted (server/quantum-channel/otp-hop.ts). */
export const ZRelayAnswer = z.object({ ciphertext: z.base64().max(16_384), tag: ZHex });
export const ZPurge = z.object({ keyIds: z.array(ZKeyId).min(1).max(1000) });
export const ZPurgeAnswer = z.object({ purged: z.array(ZKeyId), absent: z.array(ZKeyId) });
export const ZIntegrity = z.object({ keyIds: z.array(ZKeyId).min(1).max(1000), nonce: ZHex.optional() });
export const ZIntegrityAnswer = z.object({ fingerprints: z.record(z.string(), ZFingerprint.nullable()) });
export const ZUsage = z.object({ keyIds: z.array(ZKeyId).max(1000).optional() });
export const ZUsageAnswer = z.object({ totals: z.record(z.string(), z.number().int().min(0)) });
export const ZFault = z.object({
  kind: z.enum(["drop", "delay", "wrongConfirmation", "silent", "corrupt", "leak", "padSkip", "clear"]),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  times: z.number().int().min(1).max(1000).optional(),
  keyId: ZKeyId.optional(),
  /** padSkip: the link whose device at this end loses `bytes`. */
  linkId: ZLinkId.optional(),
  bytes: z.number().int().min(1).max(1_000_000).optional(),
});

/** The hub asks an end of a link whose pads disagree to realign its QKD device with its peer. */
export const ZResync = z.object({ linkId: ZLinkId });
export const ZResyncAnswer = z.object({ realigned: z.boolean() });

/** Request types, who sends them, and their body and answer schemas. */
export const REQUESTS = {
  hello: { from: "agent", body: ZHello, answer: ZWelcome },
  heartbeat: { from: "agent", body: ZHeartbeat, answer: ZHeartbeatAnswer },
  deliver: { from: "hub", body: ZDeliver, answer: ZDeliverAnswer },
  relay: { from: "hub", body: ZRelay, answer: ZRelayAnswer },
  purge: { from: "hub", body: ZPurge, answer: ZPurgeAnswer },
  integrity: { from: "hub", body: ZIntegrity, answer: ZIntegrityAnswer },
  usage: { from: "hub", body: ZUsage, answer: ZUsageAnswer },
  fault: { from: "hub", body: ZFault, answer: z.object({}) },
  resync: { from: "hub", body: ZResync, answer: ZResyncAnswer },
  /** The site's KME asks the hub (server/kme/link/kme-calls.ts): no key material either way. */
  kme: { from: "agent", body: ZKmeCall, answer: ZKmeAnswer },
} as const;
export type RequestType = keyof typeof REQUESTS;
export type RequestBody<T extends RequestType> = z.infer<(typeof REQUESTS)[T]["body"]>;
export type AnswerBody<T extends RequestType> = z.infer<(typeof REQUESTS)[T]["answer"]>;

export const ZRequestFrame = z.object({ v: z.literal(PROTOCOL_VERSION), id: z.uuid(), type: z.enum(Object.keys(REQUESTS) as [RequestType, ...RequestType[]]), body: z.unknown() });
export const ZAnswerFrame = z.union([
  z.object({ v: z.literal(PROTOCOL_VERSION), re: z.uuid(), ok: z.literal(true), body: z.unknown() }),
  z.object({ v: z.literal(PROTOCOL_VERSION), re: z.uuid(), ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(500) }) }),
]);
export const ZFrame = z.union([ZRequestFrame, ZAnswerFrame]);
export type Frame = z.infer<typeof ZFrame>;

/** Parses one received text frame; null when it is not a valid frame (the receiver closes with CLOSE_INVALID_FRAME). */
export function parseFrame(text: string): Frame | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const r = ZFrame.safeParse(json);
  return r.success ? r.data : null;
}
