/**
 * An ETSI 014 client for tests and benchmarks: one HTTPS request with mutual TLS
 * to a KME listener (server/kme/listener/kme-listener.ts), answering status,
 * headers and the parsed JSON body. The KME's certificate is checked against
 * the given CA with the host name `localhost` (its SAN), whatever address is
 * dialled. Pass an `agent` from `etsi014Agent` to reuse connections.
 */
import { Agent, request } from "node:https";
import { checkServerIdentity } from "node:tls";

export interface Etsi014ClientTls {
  /** The KME CA (PEM): the only issuer the client trusts for the server. */
  ca: Buffer | string;
  /** The SAE's client certificate and key (PEM). */
  cert: Buffer | string;
  key: Buffer | string;
}

export interface Etsi014ClientRequest {
  /** e.g. https://127.0.0.1:8443/api/v1/keys/sae-stock-1/status */
  url: string;
  method: "GET" | "POST" | (string & {});
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: object | string | Uint8Array;
  tls: Etsi014ClientTls;
  /** A keep-alive agent (etsi014Agent); without one, each request opens its own connection. */
  agent?: Agent;
  /** Extra request headers (e.g. a wrong Content-Type); given ones win. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface Etsi014ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed body; `undefined` when it is not JSON (see `text`). */
  json: unknown;
  text: string;
}

/** A keep-alive agent holding one SAE's TLS identity (its connections reuse the handshake). */
export function etsi014Agent(tls: Etsi014ClientTls, maxSockets = 8): Agent {
  return new Agent({ ...tls, servername: "localhost", keepAlive: true, maxSockets });
}

export function etsi014Request(r: Etsi014ClientRequest): Promise<Etsi014ClientResponse> {
  const body =
    r.body === undefined ? undefined : r.body instanceof Uint8Array ? r.body : Buffer.from(typeof r.body === "string" ? r.body : JSON.stringify(r.body), "utf8");
  return new Promise((resolve, reject) => {
    const req = request(
      r.url,
      {
        method: r.method,
        ...(r.agent ? { agent: r.agent } : { ...r.tls, servername: "localhost", agent: false }),
        // The KME's certificate names localhost and 127.0.0.1; tests may dial either.
        checkServerIdentity: (_host, cert) => checkServerIdentity("localhost", cert),
        headers: {
          ...(body ? { "Content-Type": "application/json", "Content-Length": String(body.byteLength) } : {}),
          ...r.headers,
        },
        timeout: r.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("etsi014 request timed out")));
    req.on("error", reject);
    req.end(body);
  });
}
