/**
 * What the KME listener reads off the client certificate after the handshake
 * (KEY-DELIVERY.md §3): the CNs of its subject, of which there must be exactly
 * one (the SAE ID), and the SHA-256 of its DER for the registry's pins. The
 * checks themselves are the protocol layer's (step 3 of §4.0); this only reads.
 */
import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";

export interface ClientCertificate {
  /** The subject's single CN, or "" when it has none or several (`cnCount` says which). */
  saeId: string;
  cnCount: number;
  /** Lower-case hex SHA-256 of the certificate's DER. */
  sha256: string;
}

/** The verified peer certificate of `socket`, or null when there is none (never after our handshake). */
export function readClientCertificate(socket: TLSSocket): ClientCertificate | null {
  const cert = socket.getPeerCertificate(false);
  // An empty object when the peer sent no certificate.
  if (cert === null || typeof cert !== "object" || !Buffer.isBuffer(cert.raw)) return null;
  // Node turns a repeated attribute into an array of its values.
  const cn: unknown = (cert.subject as unknown as Record<string, unknown> | undefined)?.CN;
  const cns = cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
  const [only] = cns;
  return {
    saeId: cns.length === 1 && typeof only === "string" ? only : "",
    cnCount: cns.length,
    sha256: createHash("sha256").update(cert.raw).digest("hex"),
  };
}
