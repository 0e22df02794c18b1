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
  [k: string]: unknown;
}
