/**
 * The server-side picture of a key row with its participants, as the batch
 * runner loads, changes and writes it. Holds sealed material: it never leaves
 * the server (the API returns views from key-views.ts instead).
 */
import type { Key, KeyParticipant } from "../../generated/prisma/client";

export type ParticipantRecord = Pick<KeyParticipant, "nodeId" | "confirmedAt" | "receiptMac" | "purgeConfirmedAt" | "purgeRequestedAt">;

export type KeyRecord = Omit<Key, never> & { participants: ParticipantRecord[] };

export function cloneKeyRecord(k: KeyRecord): KeyRecord {
  return { ...k, participants: k.participants.map((p) => ({ ...p })) };
}
