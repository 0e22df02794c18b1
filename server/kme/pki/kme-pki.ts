/**
 * The dev SAE CA and KME CA (KEY-DELIVERY.md §3), two trust domains with their
 * own keys beside the Agent CA: the SAE CA issues applications' client
 * certificates (EKU clientAuth, subject = one CN, the SAE ID), and is the only
 * CA a KME listener trusts; the KME CA issues each site's KME server
 * certificate (CN = node id, SAN 127.0.0.1 and localhost, EKU serverAuth),
 * which SAEs trust. Idempotent like the Agent PKI: existing files are kept and
 * a kept CA is reloaded to sign what is missing. Private keys are 0600.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { issueLeafFiles, loadOrCreateCa, NODE_ID } from "../../pki/dev-ca";
// KEY-DELIVERY.md §3: 1–64 of [A-Za-z0-9._:-], the rule the protocol layer applies to callers.
import { SAE_ID } from "../etsi014/common-checks";
import { systemClock, type Clock } from "../../time/clock";
import { kmePkiPaths } from "./kme-pki-paths";

export { kmePkiPaths };

export interface IssuedKmePki {
  dir: string;
  /** Files written by this call (existing ones are listed in `kept`). */
  created: string[];
  kept: string[];
}

/** Writes the SAE CA, the KME CA, a KME server certificate per node and a client certificate per SAE under `dir`, keeping what exists. */
export async function issueKmePki(
  dir: string,
  who: { nodeIds: readonly string[]; saeIds: readonly string[] },
  clock: Clock = systemClock,
): Promise<IssuedKmePki> {
  for (const id of who.nodeIds) {
    if (!NODE_ID.test(id)) throw new Error(`node id "${id}" cannot be a certificate CN: use 1-64 of a-z, 0-9 and "-"`);
  }
  for (const id of who.saeIds) {
    // The check also keeps "/" and ".." out of the file names under saes/.
    if (!SAE_ID.test(id) || id === "." || id === "..") throw new Error(`SAE ID "${id}" cannot be a certificate CN: use 1-64 of A-Z, a-z, 0-9 and "._:-"`);
  }
  const p = kmePkiPaths(dir);
  mkdirSync(join(dir, "kme"), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, "saes"), { recursive: true, mode: 0o700 });
  const result: IssuedKmePki = { dir, created: [], kept: [] };
  const now = clock();
  const saeCa = await loadOrCreateCa(p.saeCaCert, p.saeCaKey, "CN=QECNet SAE CA, O=QECNet", now, result);
  const kmeCa = await loadOrCreateCa(p.kmeCaCert, p.kmeCaKey, "CN=QECNet KME CA, O=QECNet", now, result);
  for (const id of who.nodeIds) await issueLeafFiles(kmeCa, p.kmeCert(id), p.kmeKey(id), { subject: `CN=${id}`, usage: "server" }, now, result);
  for (const id of who.saeIds) await issueLeafFiles(saeCa, p.saeCert(id), p.saeKey(id), { subject: `CN=${id}`, usage: "client" }, now, result);
  return result;
}
