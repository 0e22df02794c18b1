/**
 * Applications (SAEs) that take keys over ETSI GS QKD 014: everyone reads the
 * registry, a site's KME and a key's deliveries (IDs and counts, never key
 * bytes); administrators register, edit, disable or enable and pair them.
 * Thin: validate, call the registry or the read views, return.
 */
import { z } from "zod";
import { safeText } from "../../domain/validation/safe-text";
import { SAE_ID } from "../../kme/etsi014/common-checks";
import { keyDeliveries, siteKme } from "../../kme/registry/application-views";
import { procedure, router } from "../trpc";

const ZSaeId = safeText().trim()
  .min(1, "Give the SAE ID (the CN of the application's certificate)")
  .max(64, "The SAE ID is at most 64 characters")
  .regex(SAE_ID, "The SAE ID may contain only letters A-Z and a-z, digits, '.', '_', ':' and '-' (it is the CN of the application's certificate)");
const ZNodeId = safeText().trim().min(1, "Choose the site (a node)").max(64, "A node id is at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9-]*$/, "Choose a node id such as ep-bank (lower-case letters, digits and -)");
const ZDescription = safeText().trim().max(300, "The description is at most 300 characters");
const ZCertPin = safeText().trim()
  .regex(/^(?:[0-9a-fA-F]{64}|(?:[0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2})$/, "A certificate pin is a SHA-256 fingerprint: 64 hex digits, optionally in pairs separated by colons");
const ZCertPins = z.array(ZCertPin).max(8, "At most 8 certificate pins per application");
const ZVersion = z.number().int().min(0);

export const ZSaeRegisterInputSchema = z.object({ saeId: ZSaeId, nodeId: ZNodeId, description: ZDescription.optional(), certPins: ZCertPins.optional() });

export const ZSaeUpdateInputSchema = z.object({ saeId: ZSaeId, expectedVersion: ZVersion, description: ZDescription.optional(), certPins: ZCertPins.optional() })
  .refine((v) => v.description !== undefined || v.certPins !== undefined, { message: "Nothing to change: give a description or certificate pins", path: ["description"] });

export const ZSaeSetEnabledInputSchema = z.object({
  saeId: ZSaeId, enabled: z.boolean(), expectedVersion: ZVersion,
  reason: safeText().trim().max(300, "The reason is at most 300 characters").default(""),
}).refine((v) => v.enabled || v.reason.length >= 3, { message: "Say why the application is disabled (at least 3 characters, for the audit log)", path: ["reason"] });

export const ZSaePairInputSchema = z.object({ saeA: ZSaeId, saeB: ZSaeId })
  .refine((v) => v.saeA !== v.saeB, { message: "Choose two different applications: an SAE is not paired with itself", path: ["saeB"] });

export const applicationsRouter = router({
  /** The registry: SAEs by site with their pairs and delivery counts, and the pairs. */
  list: procedure.query(({ ctx }) => ctx.saes.list()),
  /** A site's KME: its SAEs, its pools (available keys, refill rate, target), deliveries and refusals lately. */
  site: procedure.input(z.object({ nodeId: ZNodeId })).query(({ ctx, input }) => siteKme(ctx, input.nodeId, ctx.clock())),
  /** A key's deliveries to applications (SAE, role, site, times, size) and its policy. */
  keyDeliveries: procedure.input(z.object({ keyId: z.uuid({ message: "must be a key id (UUID)" }) }))
    .query(({ ctx, input }) => keyDeliveries(ctx.db, input.keyId)),
  register: procedure.input(ZSaeRegisterInputSchema).mutation(({ ctx, input }) => ctx.saes.register(input, ctx)),
  /** Description and/or certificate pins of an SAE seen at expectedVersion. */
  update: procedure.input(ZSaeUpdateInputSchema).mutation(({ ctx, input: { saeId, expectedVersion, ...changes } }) =>
    ctx.saes.update(saeId, changes, expectedVersion, ctx)),
  /** Disabling (with a reason) makes every KME refuse the SAE at once; enabling lets it back. */
  setEnabled: procedure.input(ZSaeSetEnabledInputSchema).mutation(({ ctx, input }) =>
    ctx.saes.setEnabled(input.saeId, input.enabled, input.expectedVersion, input.reason, ctx)),
  pair: procedure.input(ZSaePairInputSchema).mutation(({ ctx, input }) => ctx.saes.pair(input.saeA, input.saeB, ctx)),
  unpair: procedure.input(ZSaePairInputSchema).mutation(({ ctx, input }) => ctx.saes.unpair(input.saeA, input.saeB, ctx)),
});
