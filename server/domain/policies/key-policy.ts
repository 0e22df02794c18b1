/**
 * What a named key policy says (size, rotation, overlap, retention, distribution
 * retries, which compromise signals revoke automatically): the shape the policy
 * editor in the browser and the server's policy store share.
 */
import type { CompromiseSignal } from "./compromise-signals";

export interface KeyPolicy {
  name: string;
  description: string;
  sizeBits: number;
  /** Scheduled rotation: an ACTIVE key rotates this long after it became ACTIVE. */
  cryptoperiodSeconds: number;
  /** Rotation when the usage counter reaches this; null: no usage limit. */
  maxUsage: number | null;
  overlapSeconds: number;
  retentionDays: number;
  maxDistributionAttempts: number;
  /** Signals whose recovery runs without waiting for an officer's approval. */
  autoRevokeSignals: CompromiseSignal[];
}
