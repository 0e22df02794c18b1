/**
 * What the three dev CAs of KEY-DELIVERY.md §3 (Agent CA, SAE CA, KME CA) share:
 * a CA kept in two PEM files and reloaded on later runs, and leaf certificates
 * signed by it, with @peculiar/x509 on WebCrypto (Node has no X.509 issuing API
 * and openssl may be absent). ECDSA P-256. Files that exist are never rewritten,
 * so a second run invalidates nothing already deployed; private keys are
 * created 0600 and never overwrite a key someone else just wrote.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
const LEAF_DAYS = 825;
/** An hour of slack for clocks that differ a little. */
const SLACK_MS = 3_600_000;

export interface DevCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/** What one issuing run did: files written, and files found and kept. */
export interface IssuedFiles {
  created: string[];
  kept: string[];
}

/** A leaf to sign: `subject` is a distinguished name ("CN=ep-bank"); servers get SAN 127.0.0.1 and localhost. */
export interface LeafSpec {
  subject: string;
  usage: "server" | "client";
}

/** The CA in `certPath`/`keyPath`, or a new self-signed one named `name` written there. */
export async function loadOrCreateCa(certPath: string, keyPath: string, name: string, now: Date, result: IssuedFiles): Promise<DevCa> {
  if (existsSync(certPath) && existsSync(keyPath)) {
    result.kept.push(certPath, keyPath);
    return loadCa(certPath, keyPath);
  }
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore: new Date(now.getTime() - SLACK_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writePair(certPath, keyPath, cert, keys.privateKey, result);
  return { cert, key: keys.privateKey };
}

/** A CA from its PEM files (to sign what is missing, or, in tests, what should never be trusted). */
export async function loadCa(certPath: string, keyPath: string): Promise<DevCa> {
  return { cert: new x509.X509Certificate(readFileSync(certPath, "utf8")), key: await importPrivateKey(readFileSync(keyPath, "utf8")) };
}

/** Writes a leaf signed by `ca` unless both files exist already. */
export async function issueLeafFiles(ca: DevCa, certPath: string, keyPath: string, spec: LeafSpec, now: Date, result: IssuedFiles): Promise<void> {
  if (existsSync(certPath) && existsSync(keyPath)) {
    result.kept.push(certPath, keyPath);
    return;
  }
  const leaf = await signLeaf(ca, spec, now);
  await writePair(certPath, keyPath, leaf.cert, leaf.key, result);
}

/** A leaf signed by `ca`, in memory. */
export async function signLeaf(ca: DevCa, spec: LeafSpec, now: Date): Promise<DevCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const server = spec.usage === "server";
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (server) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }, { type: "dns", value: "localhost" }]));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: spec.subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - SLACK_MS),
    notAfter: new Date(now.getTime() + LEAF_DAYS * DAY_MS),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return { cert, key: keys.privateKey };
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  try {
    return x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
  } finally {
    pkcs8.fill(0);
  }
}

/** A positive 128-bit serial (top bit clear so DER never reads it as negative). */
export function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

async function writePair(certPath: string, keyPath: string, cert: x509.X509Certificate, key: CryptoKey, result: IssuedFiles): Promise<void> {
  // Key first, created 0600 (flag wx: never overwrite a key someone else just wrote).
  writeFileSync(keyPath, await privateKeyPem(key), { mode: 0o600, flag: "wx" });
  chmodSync(keyPath, 0o600); // the umask cannot widen it, but an inherited ACL might
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

/** A node id as a certificate CN (agents, KMEs): 1-64 of a-z, 0-9 and "-". */
export const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
