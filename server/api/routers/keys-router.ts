/**
 * Keys: list, counts, get with history, create, and each lifecycle action.
 * Thin: validate, call the key service or query, return.
 */
import { z } from "zod";
import { safeText } from "../../domain/validation/safe-text";
import { KEY_STATES } from "../../domain/lifecycle/key-states";
import { countKeysByState, getKey, listKeys } from "../../keys/key-queries";
import { ZPolicyFieldsSchema, ZPolicyNameSchema } from "../../domain/policies/policy-rules";
import { rotationProgress } from "../../rotation/rotation-progress";
import { procedure, router } from "../trpc";

const ZKeyId = z.uuid({ message: "must be a key id (UUID)" });
const ZNodeId = safeText().trim().min(1, "must name a node").max(64).regex(/^[a-z0-9][a-z0-9-]*$/, "must be a node id such as hub-1 (lower-case letters, digits and -)");
const ZReason = safeText().trim().min(3, "give a reason of at least 3 characters").max(500, "at most 500 characters");
const ZExpectedVersion = z.number().int().min(0).optional();

export const ZKeyListInputSchema = z.object({
  states: z.array(z.enum(KEY_STATES)).max(KEY_STATES.length).optional(),
  search: safeText().trim().max(200, "search at most 200 characters").optional(),
  policy: ZPolicyNameSchema.optional(),
  nodeId: ZNodeId.optional(),
  cursor: ZKeyId.nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const ZKeyCreateInputSchema = z.object({
  label: safeText().trim().min(3, "at least 3 characters").max(80, "at most 80 characters")
    .regex(/^[\p{L}\p{N} ._:/-]+$/u, "letters, digits, spaces and . _ : / - only"),
  purpose: safeText().trim().min(3, "at least 3 characters").max(200, "at most 200 characters"),
  // Checked against the stored policies by the key service (an admin may add policies).
  policy: safeText().trim().min(1, "choose a policy").max(40, "policy must be one of the stored policies").default("standard"),
  participants: z.array(ZNodeId).min(1, "choose at least one participant node").max(64)
    .refine((a) => new Set(a).size === a.length, "participants must not repeat"),
});

const ZTarget = z.object({ id: ZKeyId, expectedVersion: ZExpectedVersion });

const ZPolicyReason = safeText().trim().min(3, "give a reason of at least 3 characters for the audit log").max(500, "at most 500 characters");

export const ZPolicyCreateInputSchema = ZPolicyFieldsSchema.extend({ name: ZPolicyNameSchema, reason: ZPolicyReason });

export const ZPolicyUpdateInputSchema = z.object({
  name: ZPolicyNameSchema,
  expectedVersion: z.number().int().min(0),
  reason: ZPolicyReason,
  changes: ZPolicyFieldsSchema.partial(),
});

export const ZPolicyDeleteInputSchema = z.object({
  name: ZPolicyNameSchema,
  expectedVersion: z.number().int().min(0),
  reason: ZPolicyReason,
});

export const keysRouter = router({
  list: procedure.input(ZKeyListInputSchema).query(({ ctx, input }) => listKeys(ctx.db, input)),
  counts: procedure
    .input(ZKeyListInputSchema.pick({ search: true, policy: true, nodeId: true }).default({}))
    .query(({ ctx, input }) => countKeysByState(ctx.db, input)),
  get: procedure.input(z.object({ id: ZKeyId })).query(({ ctx, input }) => getKey(ctx.db, input.id)),
  policies: procedure.query(({ ctx }) => ctx.keys.policies.list()),
  /** Administrators: a new named policy; audited with the reason. */
  createPolicy: procedure.input(ZPolicyCreateInputSchema).mutation(({ ctx, input: { reason, ...policy } }) =>
    ctx.keys.policies.create(policy, reason, ctx)),
  /** Administrators: changes fields of a policy seen at expectedVersion; audited with before/after and the reason. */
  updatePolicy: procedure.input(ZPolicyUpdateInputSchema).mutation(({ ctx, input }) =>
    ctx.keys.policies.update(input.name, input.changes, input.expectedVersion, input.reason, ctx)),
  /** Only a policy no key was ever generated under, and never a built-in one. */
  deletePolicy: procedure.input(ZPolicyDeleteInputSchema).mutation(({ ctx, input }) =>
    ctx.keys.policies.delete(input.name, input.expectedVersion, input.reason, ctx)),
  /** Rotation progress: the replacement's receipts per participant, overlap end, next scheduled rotation, usage. */
  rotation: procedure.input(z.object({ id: ZKeyId })).query(({ ctx, input }) => rotationProgress(ctx.db, input.id)),
  create: procedure.input(ZKeyCreateInputSchema).mutation(({ ctx, input }) => ctx.keys.create(input, ctx)),

  /** Routes the key over the mesh, delivers it and collects every receipt; retries with new material on failure. */
  distribute: procedure.input(ZTarget).mutation(({ ctx, input }) =>
    ctx.distribution.distribute(input.id, ctx, input.expectedVersion)),
  confirmReceipt: procedure
    .input(z.object({ id: ZKeyId, nodeId: ZNodeId, receiptMac: safeText().regex(/^[0-9a-f]{64}$/, "receiptMac must be 64 lower-case hex characters (HMAC-SHA256)") }))
    .mutation(({ ctx, input }) => ctx.keys.confirmReceipt(input.id, input.nodeId, input.receiptMac, ctx)),
  /** For a DISTRIBUTED key: delivers it again to participants that have not confirmed and collects their receipts. */
  collectReceipts: procedure.input(ZTarget).mutation(({ ctx, input }) =>
    ctx.distribution.collect(input.id, ctx, input.expectedVersion)),
  activate: procedure.input(ZTarget).mutation(({ ctx, input }) =>
    ctx.keys.apply(input.id, { type: "ACTIVATE" }, ctx, input.expectedVersion)),
  reportDistributionFailure: procedure.input(ZTarget.extend({ reason: ZReason })).mutation(({ ctx, input }) =>
    ctx.keys.apply(input.id, { type: "FAIL_DISTRIBUTION", reason: input.reason }, ctx, input.expectedVersion)),
  recordUsage: procedure
    .input(ZTarget.extend({ count: z.number().int("count must be a whole number").min(1, "count must be at least 1").max(1_000_000) }))
    .mutation(({ ctx, input }) => ctx.keys.apply(input.id, { type: "RECORD_USAGE", count: input.count }, ctx, input.expectedVersion)),
  /** Begins the rotation; the replacement is distributed and the rotation completes by itself (server/rotation). */
  rotate: procedure.input(ZTarget.extend({ reason: ZReason })).mutation(({ ctx, input }) =>
    ctx.rotation.request(input.id, `operator request: ${input.reason}`, ctx, input.expectedVersion)),
  completeRotation: procedure.input(ZTarget).mutation(({ ctx, input }) =>
    ctx.keys.apply(input.id, { type: "COMPLETE_ROTATION" }, ctx, input.expectedVersion)),
  cancelRotation: procedure.input(ZTarget.extend({ reason: ZReason })).mutation(({ ctx, input }) =>
    ctx.keys.apply(input.id, { type: "CANCEL_ROTATION", reason: input.reason }, ctx, input.expectedVersion)),
  /**
   * Compromise-based rotation, its own procedure (routine rotation is `rotate`): raises an EMERGENCY_ROTATION request;
   * on approval the key is revoked and purged at once and its replacement avoids the named nodes and links.
   */
  requestEmergencyRotation: procedure
    .input(z.object({
      id: z.uuid({ message: "must be a key id (UUID)" }),
      justification: safeText().trim().min(10, "justification: at least 10 characters, saying why").max(1000, "justification: at most 1000 characters"),
      avoidNodeIds: z.array(ZNodeId).max(50, "at most 50 nodes").default([]),
      avoidLinkIds: z.array(safeText().trim().min(1, "must name a link").max(160)).max(50, "at most 50 links").default([]),
    }))
    .mutation(({ ctx, input }) => ctx.approvals.requestEmergencyRotation({ keyId: input.id, justification: input.justification, avoidNodeIds: input.avoidNodeIds, avoidLinkIds: input.avoidLinkIds }, ctx.user)),
  destroy: procedure.input(ZTarget).mutation(({ ctx, input }) =>
    ctx.keys.apply(input.id, { type: "DESTROY" }, ctx, input.expectedVersion)),
});
