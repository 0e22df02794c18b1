/**
 * The dev Agent CA (KEY-DELIVERY.md §3): the trust domain of the agent ↔ hub
 * link. Issues, with @peculiar/x509 on WebCrypto (no openssl on the path), a
 * CA, the hub's server certificate (SAN 127.0.0.1 and localhost) and one
 * client certificate per node whose CN is the node id. Idempotent: files that
 * exist are kept (the CA is reloaded to sign what is missing), so running it
 * again never invalidates agents already deployed. Private keys are 0600.
 * Also writes the simulated QKD devices' channel seed (qkd-channel.seed, 0600)
 * that the hub and the agents derive their link ends' pads from.
 * The issuing itself is shared with the SAE and KME CAs (server/pki/dev-ca.ts).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { issueLeafFiles, loadOrCreateCa, NODE_ID } from "../../pki/dev-ca";
import { systemClock, type Clock } from "../../time/clock";
import { agentPkiPaths } from "./agent-pki-paths";
import { ensureChannelSeed } from "../../quantum-channel/channel-seed";

export { agentPkiPaths };


export interface IssuedAgentPki {
  dir: string;
  /** Files written by this call (existing ones are listed in `kept`). */
  created: string[];
  kept: string[];
}

/** Writes the Agent CA, the hub certificate and a client certificate per node under `dir`, keeping what exists. */
export async function issueAgentPki(dir: string, nodeIds: readonly string[], clock: Clock = systemClock): Promise<IssuedAgentPki> {
  for (const id of nodeIds) {
    if (!NODE_ID.test(id)) throw new Error(`node id "${id}" cannot be a certificate CN: use 1-64 of a-z, 0-9 and "-"`);
  }
  const p = agentPkiPaths(dir);
  mkdirSync(join(dir, "agents"), { recursive: true, mode: 0o700 });
  const result: IssuedAgentPki = { dir, created: [], kept: [] };
  const now = clock();
  const ca = await loadOrCreateCa(p.caCert, p.caKey, "CN=QECNet Agent CA, O=QECNet", now, result);
  await issueLeafFiles(ca, p.hubCert, p.hubKey, { subject: "CN=qecnet-agent-hub", usage: "server" }, now, result);
  for (const id of nodeIds) await issueLeafFiles(ca, p.nodeCert(id), p.nodeKey(id), { subject: `CN=${id}`, usage: "client" }, now, result);
  (ensureChannelSeed(p.channelSeed) ? result.created : result.kept).push(p.channelSeed);
  return result;
}
