/**
 * What an approval would change, as officers see it before they vote: the keys,
 * nodes and links affected and who must purge a copy. Computed on the server
 * (server/approvals/key-impact.ts), stored with the request, drawn in the browser.
 */
import type { KeyState } from "../lifecycle/key-states";

export interface Impact {
  summary: string;
  keyVersion: number;
  keys: Array<{ id: string | null; label: string; generation: number; state: KeyState | null; effect: string }>;
  nodes: Array<{ id: string; name: string; role: string; status: string; effect: string }>;
  links: Array<{ id: string; aNodeId: string; bNodeId: string; status: string }>;
  participantsToPurge: string[];
  /** Applications that received the key over ETSI 014 (KEY-DELIVERY.md §5.5): they are told of the revocation. Absent on older requests. */
  recipients?: Array<{ saeId: string; role: string; kme: string; delivered: boolean }>;
  [k: string]: unknown;
}
