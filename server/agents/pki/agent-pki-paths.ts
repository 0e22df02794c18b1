/**
 * Where each file of the Agent PKI lives under its folder: the hub and the
 * agents read the same layout. Kept apart from agent-pki.ts (the issuer, with
 * @peculiar/x509) so the agent process starts without loading X.509 tooling.
 */
import { join } from "node:path";

/** Where each file of the Agent PKI lives under `dir` (the hub and the agents read the same layout). */
export function agentPkiPaths(dir: string) {
  return {
    caCert: join(dir, "agent-ca.crt"),
    caKey: join(dir, "agent-ca.key"),
    hubCert: join(dir, "agent-hub.crt"),
    hubKey: join(dir, "agent-hub.key"),
    nodeCert: (nodeId: string) => join(dir, "agents", `${nodeId}.crt`),
    nodeKey: (nodeId: string) => join(dir, "agents", `${nodeId}.key`),
    /** The simulated QKD devices' shared secret (issue 18): the hub and every agent derive their link ends' pads from it. */
    channelSeed: join(dir, "qkd-channel.seed"),
  };
}
