/**
 * The three dev PKIs (KEY-DELIVERY.md §3) issued into a temporary folder for
 * tests, through the real issuers (server/agents/pki/agent-pki.ts,
 * server/kme/pki/kme-pki.ts), read back as PEM buffers ready for node:tls; plus
 * the hostile client certificates a KME listener must refuse: the right CN from
 * the wrong issuer (self-signed, the KME CA, the Agent CA), and SAE-CA
 * certificates whose subject has two CNs or names an SAE nobody registered.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { agentPkiPaths, issueAgentPki } from "../agents/pki/agent-pki";
import { issueKmePki, kmePkiPaths } from "../kme/pki/kme-pki";
import { loadCa, privateKeyPem, serial, signLeaf, type DevCa } from "../pki/dev-ca";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface TlsPem {
  cert: Buffer;
  key: Buffer;
}

/** The SAE ID the hostile certificates claim (the demo's bank application). */
export const IMPERSONATED_SAE = "sae-bank-1";
/** The CN of the SAE-CA certificate nobody registers. */
export const UNREGISTERED_SAE = "sae-unregistered-1";

export interface KmeTestPki {
  dir: string;
  saeCa: Buffer;
  kmeCa: Buffer;
  agentCa: Buffer;
  /** Each node's KME server certificate (KME CA, CN = node id, SAN 127.0.0.1 and localhost). */
  kme: (nodeId: string) => TlsPem;
  /** Each SAE's client certificate (SAE CA, CN = SAE ID). */
  sae: (saeId: string) => TlsPem;
  /** Each node's agent client certificate (Agent CA, CN = node id). */
  agent: (nodeId: string) => TlsPem;
  /** Client certificates with CN `sae-bank-1` (or a broken subject) that a KME must not take for that SAE. */
  hostile: {
    selfSigned: TlsPem;
    fromKmeCa: TlsPem;
    fromAgentCa: TlsPem;
    /** SAE CA, subject "CN=sae-bank-1, CN=sae-stock-1". */
    twoCns: TlsPem;
    /** SAE CA, CN = UNREGISTERED_SAE. */
    unregistered: TlsPem;
  };
  /** Another client certificate from the SAE CA (e.g. a second certificate for an SAE, to test pins). */
  issueSae: (subject: string) => Promise<TlsPem>;
}

/** Issues the Agent, KME and SAE PKIs for `nodeIds` and `saeIds` into a new temporary folder. */
export async function issueKmeTestPki(who: { nodeIds: readonly string[]; saeIds: readonly string[] }): Promise<KmeTestPki> {
  const dir = mkdtempSync(join(tmpdir(), "qecnet-kme-test-pki-"));
  await issueAgentPki(dir, who.nodeIds);
  await issueKmePki(dir, who);
  const a = agentPkiPaths(dir);
  const k = kmePkiPaths(dir);
  const files = (cert: string, key: string): TlsPem => ({ cert: readFileSync(cert), key: readFileSync(key) });
  const saeCa = await loadCa(k.saeCaCert, k.saeCaKey);
  const now = new Date(); // TLS checks validity against wall time, so the certificates do too
  const client = async (ca: DevCa, subject: string) => pem(await signLeaf(ca, { subject, usage: "client" }, now));
  return {
    dir,
    saeCa: readFileSync(k.saeCaCert),
    kmeCa: readFileSync(k.kmeCaCert),
    agentCa: readFileSync(a.caCert),
    kme: (id) => files(k.kmeCert(id), k.kmeKey(id)),
    sae: (id) => files(k.saeCert(id), k.saeKey(id)),
    agent: (id) => files(a.nodeCert(id), a.nodeKey(id)),
    hostile: {
      selfSigned: await selfSignedClient(`CN=${IMPERSONATED_SAE}`, now),
      fromKmeCa: await client(await loadCa(k.kmeCaCert, k.kmeCaKey), `CN=${IMPERSONATED_SAE}`),
      fromAgentCa: await client(await loadCa(a.caCert, a.caKey), `CN=${IMPERSONATED_SAE}`),
      twoCns: await client(saeCa, `CN=${IMPERSONATED_SAE}, CN=sae-stock-1`),
      unregistered: await client(saeCa, `CN=${UNREGISTERED_SAE}`),
    },
    issueSae: (subject) => client(saeCa, subject),
  };
}

async function pem(leaf: DevCa): Promise<TlsPem> {
  return { cert: Buffer.from(leaf.cert.toString("pem")), key: Buffer.from(await privateKeyPem(leaf.key)) };
}

/** A client certificate that signs itself: the right CN, no issuer anyone trusts. */
async function selfSignedClient(subject: string, now: Date): Promise<TlsPem> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return pem({ cert, key: keys.privateKey });
}
