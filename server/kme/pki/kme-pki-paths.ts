/**
 * Where each file of the SAE CA and the KME CA (KEY-DELIVERY.md §3) lives under
 * the dev PKI folder, beside the Agent PKI's (server/agents/pki/agent-pki-paths.ts).
 * Kept apart from kme-pki.ts (the issuer, with @peculiar/x509) so the agent
 * process finds its KME certificate and the SAE CA without loading X.509 tooling.
 */
import { join } from "node:path";

/** Where each file of the SAE and KME PKIs lives under `dir` (the agents read the same layout). */
export function kmePkiPaths(dir: string) {
  return {
    saeCaCert: join(dir, "sae-ca.crt"),
    saeCaKey: join(dir, "sae-ca.key"),
    kmeCaCert: join(dir, "kme-ca.crt"),
    kmeCaKey: join(dir, "kme-ca.key"),
    /** A site's KME server certificate (CN = node id). */
    kmeCert: (nodeId: string) => join(dir, "kme", `${nodeId}.crt`),
    kmeKey: (nodeId: string) => join(dir, "kme", `${nodeId}.key`),
    /** An application's client certificate (CN = SAE ID). */
    saeCert: (saeId: string) => join(dir, "saes", `${saeId}.crt`),
    saeKey: (saeId: string) => join(dir, "saes", `${saeId}.key`),
  };
}
