/**
 * What the API may show of a key: everything but its material. The one place
 * where key records become browser-safe objects, and the Prisma select used by
 * read queries so that material columns are never even fetched.
 */
import type { Prisma } from "../../generated/prisma/client";
import type { KeyState } from "../domain/lifecycle/key-states";
import type { KeyRecord } from "./key-record";

export const KEY_VIEW_SELECT = {
  id: true, lineageId: true, generation: true, distributionAttempt: true, predecessorId: true, label: true,
  purpose: true, policy: true, state: true, version: true, sizeBits: true, fingerprint: true, entropySource: true,
  materialKeyId: true, usageCount: true, lastUsedAt: true, failureReason: true, revocationReason: true,
  retentionDays: true, generatedAt: true, distributedAt: true, activatedAt: true, rotatingAt: true, retiredAt: true,
  revokedAt: true, destroyedAt: true, updatedAt: true,
  participants: { select: { nodeId: true, confirmedAt: true, purgeConfirmedAt: true, purgeRequestedAt: true, purgeAttempts: true }, orderBy: { nodeId: "asc" } },
} as const satisfies Prisma.KeySelect;

type SelectedKey = Prisma.KeyGetPayload<{ select: typeof KEY_VIEW_SELECT }>;

export type KeyView = Omit<SelectedKey, "state"> & { state: KeyState; materialPresent: boolean };

export function toKeyView(k: KeyRecord | (SelectedKey & { materialPresent: boolean })): KeyView {
  const materialPresent = "materialCiphertext" in k ? k.materialCiphertext !== null : k.materialPresent;
  return {
    id: k.id, lineageId: k.lineageId, generation: k.generation, distributionAttempt: k.distributionAttempt,
    predecessorId: k.predecessorId, label: k.label, purpose: k.purpose, policy: k.policy, state: k.state,
    version: k.version, sizeBits: k.sizeBits, fingerprint: k.fingerprint, entropySource: k.entropySource,
    materialKeyId: k.materialKeyId, usageCount: k.usageCount, lastUsedAt: k.lastUsedAt, failureReason: k.failureReason,
    revocationReason: k.revocationReason, retentionDays: k.retentionDays, generatedAt: k.generatedAt,
    distributedAt: k.distributedAt, activatedAt: k.activatedAt, rotatingAt: k.rotatingAt, retiredAt: k.retiredAt,
    revokedAt: k.revokedAt, destroyedAt: k.destroyedAt, updatedAt: k.updatedAt,
    participants: k.participants
      // Purge status per holder: requested by the transition, done only on the holder's answer (server/purging).
      .map((p) => ({ nodeId: p.nodeId, confirmedAt: p.confirmedAt, purgeConfirmedAt: p.purgeConfirmedAt, purgeRequestedAt: p.purgeRequestedAt, purgeAttempts: "purgeAttempts" in p ? p.purgeAttempts : 0 }))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
    materialPresent,
  };
}
