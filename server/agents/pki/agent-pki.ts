/**
 * The dev Agent CA (KEY-DELIVERY.md §3): the trust domain of the agent ↔ hub
 * link. Issues, with @peculiar/x509 on WebCrypto (no openssl on the path), a
 * CA, the hub's server certificate (SAN 127.0.0.1 and localhost) and one
 * client certificate per node whose CN is the node id. Idempotent: files that
 * exist are kept (the CA is reloaded to sign what is missing), so running it
 * again never invalidates agents already deployed. Private keys are 0600.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { systemClock, type Clock } from "../../time/clock";
import { agentPkiPaths } from "./agent-pki-paths";

export { agentPkiPaths };

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
const LEAF_DAYS = 825;
const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

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
  const notBefore = new Date(now.getTime() - 3_600_000); // an hour of slack for clocks that differ a little

  let ca: { cert: x509.X509Certificate; key: CryptoKey };
  if (existsSync(p.caCert) && existsSync(p.caKey)) {
    ca = { cert: new x509.X509Certificate(readFileSync(p.caCert, "utf8")), key: await importPrivateKey(readFileSync(p.caKey, "utf8")) };
    result.kept.push(p.caCert, p.caKey);
  } else {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: "CN=QECNet Agent CA, O=QECNet",
      notBefore,
      notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    await writePair(p.caCert, p.caKey, cert, keys.privateKey, result);
    ca = { cert, key: keys.privateKey };
  }

  const leaf = async (certPath: string, keyPath: string, cn: string, server: boolean) => {
    if (existsSync(certPath) && existsSync(keyPath)) {
      result.kept.push(certPath, keyPath);
      return;
    }
    const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ];
    if (server) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }, { type: "dns", value: "localhost" }]));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: ca.cert.subject,
      notBefore,
      notAfter: new Date(now.getTime() + LEAF_DAYS * DAY_MS),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      extensions,
    });
    await writePair(certPath, keyPath, cert, keys.privateKey, result);
  };

  await leaf(p.hubCert, p.hubKey, "qecnet-agent-hub", true);
  for (const id of nodeIds) await leaf(p.nodeCert(id), p.nodeKey(id), id, false);
  return result;
}

/** A positive 128-bit serial (top bit clear so DER never reads it as negative). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

async function writePair(certPath: string, keyPath: string, cert: x509.X509Certificate, key: CryptoKey, result: IssuedAgentPki): Promise<void> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  try {
    // Key first, created 0600 (flag wx: never overwrite a key someone else just wrote).
    writeFileSync(keyPath, x509.PemConverter.encode(pkcs8, "PRIVATE KEY"), { mode: 0o600, flag: "wx" });
    chmodSync(keyPath, 0o600); // the umask cannot widen it, but an inherited ACL might
  } finally {
    pkcs8.fill(0);
  }
  writeFileSync(certPath, cert.toString("pem") + "\n", { mode: 0o644 });
  result.created.push(certPath, keyPath);
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: "der", type: "pkcs8" });
  try {
    return await webcrypto.subtle.importKey("pkcs8", der, ALG, false, ["sign"]);
  } finally {
    der.fill(0);
  }
}
