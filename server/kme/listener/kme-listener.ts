/**
 * A site's KME on the wire (KEY-DELIVERY.md §3, §4.0): an HTTPS listener with
 * mutual TLS that hands every request to the ETSI 014 protocol layer
 * (server/kme/etsi014/etsi014-kme.ts) and writes back what it answers.
 *
 * - The handshake trusts the SAE CA only, requires a client certificate and TLS
 *   ≥ 1.2: no certificate, or one from any other issuer (the KME CA and the Agent
 *   CA included), never reaches HTTP. ALPN offers http/1.1.
 * - The caller is the certificate subject's single CN; the CN count and the
 *   certificate's SHA-256 go to the protocol layer, which answers 401 for a
 *   subject without exactly one CN, an SAE not registered here, or a pin mismatch.
 * - Bodies are read up to 64 KiB + 1 byte and no further (400 body_too_large,
 *   then the connection is closed); headers and body must arrive within the
 *   request timeout (10 s), so a slow client cannot hold a connection open.
 * - One log line per request, from the protocol layer's record (no key bytes,
 *   no bodies); client and handshake errors are logged and never crash it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { hubUnreachable, DEFAULT_RETRY_AFTER, type RetryAfter } from "../etsi014/common-checks";
import { handleEtsi014Request, type Etsi014LogRecord } from "../etsi014/etsi014-kme";
import type { Etsi014Ports } from "../etsi014/kme-ports";
import { JSON_CONTENT_TYPE, refusalResponse, type Etsi014Response } from "../etsi014/kme-response";
import { MAX_BODY_BYTES } from "../etsi014/request-syntax";
import { readBoundedBody } from "./bounded-body";
import { readClientCertificate, type ClientCertificate } from "./client-certificate";

export interface KmeListenerOptions {
  host: string;
  /** 0 = an ephemeral port (read it from the result). */
  port: number;
  tls: {
    /** This site's KME server certificate and key (KME CA), PEM. */
    cert: Buffer;
    key: Buffer;
    /** The SAE CA, PEM: the only issuer whose client certificates are accepted. */
    saeCa: Buffer;
  };
  ports: Etsi014Ports;
  log: Logger;
  retryAfter?: Partial<RetryAfter>;
  /** Headers and body, and separately the TLS handshake, must each complete within this. Default 10 s. */
  requestTimeoutMs?: number;
  /** Each answered request's record (no key bytes), after the answer was sent: the agent reports 401s to the hub's audit. */
  onOutcome?(record: Etsi014LogRecord): void;
}

export interface KmeListener {
  port: number;
  /** Stops accepting and closes every connection, idle or not. */
  close(): Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export async function startKmeListener(opts: KmeListenerOptions): Promise<KmeListener> {
  const { log } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      cert: opts.tls.cert,
      key: opts.tls.key,
      ca: opts.tls.saeCa,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
      ALPNProtocols: ["http/1.1"],
      handshakeTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // How often the request timeout is enforced (Node's default, 30 s, would let a slow client stay 3× too long).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeoutMs / 2))),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      void serve(opts, req, res).catch((err: unknown) => {
        // handleEtsi014Request catches its ports' failures; reaching here is a bug of ours or a dead socket.
        log.error({ err: errorSummary(err) }, "etsi014 request failed in the listener");
        if (!res.headersSent && !res.destroyed) send(res, refusalResponse(hubUnreachable({ ...DEFAULT_RETRY_AFTER, ...opts.retryAfter })), true);
        else res.destroy();
      });
    },
  );
  // A connection's client certificate is its identity for every request it carries, read once (certificateOf). TLS 1.2
  // renegotiation could put another certificate on the same connection: it is refused (and with it a renegotiation
  // flood, a known way to burn a server's CPU). TLS 1.3 has no renegotiation.
  server.on("secureConnection", (socket: TLSSocket) => {
    socket.disableRenegotiation();
  });
  server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    // A refused certificate, an old TLS version, a scanner: the peer got no HTTP exchange.
    log.warn({ code: err.code, reason: err.message, remoteAddress: socket.remoteAddress }, "etsi014 TLS handshake refused");
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug({ code: err.code }, "etsi014 client error");
    answerClientError(err, socket);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log.error({ err: errorSummary(err) }, "etsi014 listener error"));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Per connection: its client certificate as read after the handshake (renegotiation is refused, so it cannot change). */
const certificates = new WeakMap<TLSSocket, ClientCertificate | null>();

function certificateOf(socket: TLSSocket): ClientCertificate | null {
  let cert = certificates.get(socket);
  if (cert === undefined) certificates.set(socket, (cert = readClientCertificate(socket)));
  return cert;
}

async function serve(opts: KmeListenerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const socket = req.socket as TLSSocket;
  const cert = socket.authorized ? certificateOf(socket) : null;
  if (cert === null) {
    // rejectUnauthorized makes this unreachable; if it ever is, the peer is not authenticated: no answer.
    opts.log.error({ remoteAddress: socket.remoteAddress }, "etsi014 request without a verified client certificate: connection dropped");
    socket.destroy();
    return;
  }
  let body;
  try {
    body = await readBoundedBody(req, MAX_BODY_BYTES);
  } catch {
    opts.log.debug({ remoteAddress: socket.remoteAddress }, "etsi014 request aborted by the client");
    return;
  }
  const outcome = await handleEtsi014Request(
    opts.ports,
    {
      requestId: randomUUID(),
      method: req.method ?? "",
      target: req.url ?? "",
      body: body.bytes,
      callerSaeId: cert.saeId,
      callerCnCount: cert.cnCount,
      callerCertSha256: cert.sha256,
    },
    opts.retryAfter === undefined ? {} : { retryAfter: opts.retryAfter },
  );
  // The rest of an oversized body stays unread: the connection cannot carry another request.
  send(res, outcome.response, body.overflow);
  // The fingerprint tells an operator which certificate a 401 refused (pins, several CNs); it is public.
  const line = Object.assign({}, outcome.log, { certSha256: cert.sha256, durationMs: Math.round(performance.now() - started) }); // a spread then new fields: V8's slow path
  if (outcome.response.status >= 400) opts.log.warn(line, "etsi014 request");
  else opts.log.info(line, "etsi014 request");
  opts.onOutcome?.(outcome.log);
}

function send(res: ServerResponse, response: Etsi014Response, closeAfter: boolean): void {
  const body = Buffer.from(response.body, "utf8");
  // Every answer is JSON and never cached (§4.0), whatever the layer below put in its headers.
  res.writeHead(response.status, {
    ...response.headers,
    "Content-Type": JSON_CONTENT_TYPE,
    "Cache-Control": "no-store",
    "Content-Length": String(body.length),
    ...(closeAfter ? { Connection: "close" } : {}),
  });
  res.end(body);
}

/** Node's HTTP parser refused the request (or it timed out): a short JSON answer if the socket still takes one, then close. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset, or a TLS-level failure (a refused renegotiation): no HTTP answer can reach the peer.
  if (err.code === "ECONNRESET" || err.code?.startsWith("ERR_TLS_") || err.code?.startsWith("ERR_SSL_") || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text, reason] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "Request Timeout", "request_timeout"]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "headers_too_large"]
        : [400, "Bad Request", "malformed_http"];
  const body = JSON.stringify({ message: text.toLowerCase(), details: [{ qecnet_reason: reason }] });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function errorSummary(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: "unknown", message: String(err) };
}
