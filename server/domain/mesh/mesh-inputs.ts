/**
 * What an operator may send to change the mesh, as zod schemas with the messages
 * the operator reads: the mesh router validates with them and the add-link form
 * checks its draft against the same rules before sending.
 */
import { z } from "zod";
import { safeText } from "../validation/safe-text";
import { DEFAULT_LINK_PARAMETERS } from "./link-rate";

export const ZNodeId = safeText().trim().min(1, "must name a node").max(64);
export const ZLinkId = safeText().trim().min(1, "must name a link").max(160);
export const ZReason = safeText().trim().min(3, "give a reason of at least 3 characters").max(500, "at most 500 characters");

export const ZAddLinkInput = z
  .object({
    aNodeId: ZNodeId,
    bNodeId: ZNodeId,
    lengthKm: z.number({ message: "lengthKm must be a number of kilometres" }).min(0.1, "fibre length must be at least 0.1 km").max(400, "fibre length at most 400 km (no usable key rate beyond)"),
    // The decoy-state parameters of the link (server/domain/mesh/link-rate.ts); unstated ones are GYS.
    detectorErrorRate: z.number().min(0, "detector error cannot be negative").max(0.11, "a detector error above 11% cannot produce key (BB84 abort threshold)").default(DEFAULT_LINK_PARAMETERS.detectorErrorRate),
    lossDbPerKm: z.number().min(0.1, "loss at least 0.1 dB/km").max(1, "loss at most 1 dB/km").default(DEFAULT_LINK_PARAMETERS.lossDbPerKm),
    detectorEfficiency: z.number().gt(0, "detector efficiency must be above 0").max(1, "detector efficiency at most 1").default(DEFAULT_LINK_PARAMETERS.detectorEfficiency),
    darkCountYield: z.number().min(0, "dark-count yield cannot be negative").max(1e-3, "dark-count yield at most 1e-3 per pulse").default(DEFAULT_LINK_PARAMETERS.darkCountYield),
    errorCorrectionEfficiency: z.number().min(1, "error-correction inefficiency f is at least 1 (Shannon limit)").max(2, "error-correction inefficiency at most 2").default(DEFAULT_LINK_PARAMETERS.errorCorrectionEfficiency),
    pulseRateHz: z.number().gt(0, "pulse rate must be above 0").max(1e11, "pulse rate at most 100 GHz").default(DEFAULT_LINK_PARAMETERS.pulseRateHz),
    reason: ZReason.default("fibre commissioned"),
  })
  .refine((v) => v.aNodeId !== v.bNodeId, { message: "a link joins two different nodes", path: ["bNodeId"] });
