/**
 * A throwaway Agent PKI for tests, in memory: a CA, the hub's server
 * certificate (127.0.0.1), client certificates with any CN, and a second,
 * unrelated CA to prove that the agent port trusts only its own. Issued with
 * @peculiar/x509 on WebCrypto (no openssl), ECDSA P-256.
 */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface Pem {
  cert: string;
  key: string;
}

export interface TestCa extends Pem {
  /** Issues a leaf certificate: a client one (CN = `cn`), or the server one (SAN 127.0.0.1, localhost). */
  issue(cn: string, kind?: "client" | "server"): Promise<Pem>;
}

const serial = () => {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
};

async function pemKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A CA valid from an hour ago for a year (certificates are checked against the machine's clock by TLS itself). */
export async function createTestCa(name = "QECNet Test Agent CA"): Promise<TestCa> {
  // TLS checks validity against wall time, so the certificates do too (not the tests' clock).
  const now = Date.now();
  const notBefore = new Date(now - 3_600_000);
  const notAfter = new Date(now + 365 * 86_400_000);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${name}`, notBefore, notAfter, signingAlgorithm: ALG, keys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return {
    cert: caCert.toString("pem"),
    key: await pemKey(keys.privateKey),
    async issue(cn, kind = "client") {
      const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([kind === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ];
      if (kind === "server") extensions.push(new x509.SubjectAlternativeNameExtension([{ type: "ip", value: "127.0.0.1" }, { type: "dns", value: "localhost" }]));
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(), subject: `CN=${cn}`, issuer: caCert.subject, notBefore, notAfter, signingAlgorithm: ALG,
        publicKey: leafKeys.publicKey, signingKey: keys.privateKey, extensions,
      });
      return { cert: cert.toString("pem"), key: await pemKey(leafKeys.privateKey) };
    },
  };
}
