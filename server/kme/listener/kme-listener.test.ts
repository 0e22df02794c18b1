/**
 * The KME listener over real TLS on 127.0.0.1 (KEY-DELIVERY.md §3, §4.0), with
 * the in-memory ports and the test PKI:
 * - handshake refusals: no certificate, CN sae-bank-1 self-signed, from the KME
 *   CA, from the Agent CA, and a TLS 1.1 client: no HTTP response ever comes
 *   back and the ports are never asked anything; a TLS 1.2 client asking to
 *   renegotiate loses its connection;
 * - after the handshake: a valid SAE is served (TLS 1.2 and 1.3, ALPN http/1.1,
 *   JSON and no-store on every answer); two CNs, an unregistered SAE and a pin
 *   mismatch are 401 from the protocol layer;
 * - bodies over 64 KiB are 400 body_too_large, declared or streamed; a client
 *   that stalls is cut at the request timeout; garbage and aborted requests
 *   leave the listener serving;
 * - enc_keys then dec_keys across two sites' listeners return identical keys,
 *   and the log has one line per request without key bytes or bodies.
 */
import { X509Certificate, createHash } from "node:crypto";
import { Agent } from "node:https";
import { connect, type ConnectionOptions } from "node:tls";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { InMemoryPorts } from "../../testing/etsi014-in-memory-ports";
import { BANK, STOCK, scenario } from "../../testing/etsi014-fixture";
import { etsi014Agent, etsi014Request, type Etsi014ClientTls } from "../../testing/etsi014-client";
import { issueKmeTestPki, type KmeTestPki, type TlsPem } from "../../testing/kme-test-pki";
import { startKmeListener, type KmeListener } from "./kme-listener";

let pki: KmeTestPki;
let store: InMemoryPorts;
let bankKme: KmeListener;
let stockKme: KmeListener;
const lines: Array<Record<string, unknown>> = [];
const rawLog: string[] = [];
const log = pino({ level: "debug" }, { write: (s: string) => void (rawLog.push(s), lines.push(JSON.parse(s) as Record<string, unknown>)) });

const requestLines = () => lines.filter((l) => l.msg === "etsi014 request");
const url = (l: KmeListener, path: string) => `https://127.0.0.1:${l.port}${path}`;
const clientTls = (who: TlsPem): Etsi014ClientTls => ({ ca: pki.kmeCa, cert: who.cert, key: who.key });
const sha256 = (pem: Buffer) => createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");
const statusPath = `/api/v1/keys/${STOCK}/status`;

beforeAll(async () => {
  pki = await issueKmeTestPki({ nodeIds: ["ep-bank", "ep-stock"], saeIds: [BANK, STOCK] });
  const s = scenario();
  store = s.store;
  bankKme = await startKmeListener({ host: "127.0.0.1", port: 0, tls: { ...pki.kme("ep-bank"), saeCa: pki.saeCa }, ports: s.bank, log });
  stockKme = await startKmeListener({ host: "127.0.0.1", port: 0, tls: { ...pki.kme("ep-stock"), saeCa: pki.saeCa }, ports: s.stock, log });
});

afterAll(async () => {
  await bankKme?.close();
  await stockKme?.close();
});

beforeEach(() => {
  store.calls.length = 0;
  store.pins.clear();
  lines.length = 0;
  rawLog.length = 0;
});

interface RawExchange {
  /** The client saw its handshake complete (in TLS 1.3 the server's verdict on the client certificate comes after). */
  handshake: boolean;
  alpn: string | false | null;
  version: string | null;
  received: string;
  error: string | null;
}

/** Connects, sends `http` once the handshake completes, and collects whatever comes back until the connection ends. */
function rawExchange(port: number, options: ConnectionOptions, http = `GET ${statusPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`): Promise<RawExchange> {
  return new Promise((resolve) => {
    const out: RawExchange = { handshake: false, alpn: null, version: null, received: "", error: null };
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: pki.kmeCa, ...options });
    socket.setTimeout(5_000, () => socket.destroy(new Error("client timeout")));
    socket.on("secureConnect", () => {
      out.handshake = true;
      out.alpn = socket.alpnProtocol;
      out.version = socket.getProtocol();
      socket.write(http);
    });
    socket.on("data", (d: Buffer) => void (out.received += d.toString("latin1")));
    socket.on("error", (e: NodeJS.ErrnoException) => void (out.error = e.code ?? e.message));
    socket.on("close", () => resolve(out));
  });
}

describe("KME listener: the handshake (§3)", () => {
  const refused: Array<[string, () => ConnectionOptions]> = [
    ["no client certificate", () => ({})],
    ["a self-signed certificate with CN sae-bank-1", () => pki.hostile.selfSigned],
    ["a KME-CA certificate with CN sae-bank-1", () => pki.hostile.fromKmeCa],
    ["an Agent-CA certificate with CN sae-bank-1", () => pki.hostile.fromAgentCa],
    ["the ep-bank agent's own certificate (Agent CA)", () => pki.agent("ep-bank")],
    // Node's OpenSSL 3 may refuse to offer TLS 1.1 at all (security level): the connection fails either way.
    ["a TLS 1.1 client with a valid SAE certificate", () => ({ ...pki.sae(BANK), minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" })],
  ];

  it.each(refused)("%s: the server ends the handshake, no HTTP response, the ports are never asked", async (_name, options) => {
    // In TLS 1.3 the client believes the handshake done and sends its request; the server's verdict follows.
    const x = await rawExchange(bankKme.port, options());
    expect(x.received).toBe("");
    expect(lines.filter((l) => l.msg === "etsi014 TLS handshake refused")).toHaveLength(1);
    expect(store.calls).toEqual([]);
    expect(requestLines()).toEqual([]);
  });

  it.each(refused)("%s: the helper client's request fails without a response", async (_name, options) => {
    const { minVersion, maxVersion, ciphers, ...pem } = options() as ConnectionOptions & Partial<TlsPem>;
    const tls = { ca: pki.kmeCa, cert: pem.cert ?? "", key: pem.key ?? "" };
    const agent = new Agent({ ...tls, servername: "localhost", ...(minVersion ? { minVersion, maxVersion, ciphers } : {}) });
    try {
      await expect(etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls, agent })).rejects.toThrow();
    } finally {
      agent.destroy();
    }
    expect(store.calls).toEqual([]);
  });

  it.each([
    ["TLS 1.2", { maxVersion: "TLSv1.2" }, "TLSv1.2"],
    ["TLS 1.3", {}, "TLSv1.3"],
  ] as const)("a valid SAE certificate over %s completes, with ALPN http/1.1", async (_name, version, expected) => {
    const x = await rawExchange(bankKme.port, { ...pki.sae(BANK), ...version, ALPNProtocols: ["h2", "http/1.1"] });
    expect(x.handshake).toBe(true);
    expect(x.alpn).toBe("http/1.1");
    expect(x.version).toBe(expected);
    expect(x.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
  it("a TLS 1.2 client that asks to renegotiate (it could present another certificate) loses its connection; the listener keeps serving", async () => {
    const socket = connect({ host: "127.0.0.1", port: bankKme.port, servername: "localhost", ca: pki.kmeCa, ...pki.sae(BANK), maxVersion: "TLSv1.2" });
    let received = "";
    socket.on("data", (d: Buffer) => void (received += d.toString("latin1")));
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    socket.on("error", () => undefined);
    await new Promise<void>((r) => socket.once("secureConnect", () => r()));
    socket.write(`GET ${statusPath} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await new Promise<void>((r) => {
      const wait = () => (received.includes("\r\n\r\n") ? r() : setTimeout(wait, 10));
      wait();
    });
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    let renegotiated = false;
    expect(socket.renegotiate({ rejectUnauthorized: true }, (err) => void (renegotiated = err === null || err === undefined))).toBe(true);
    await closed; // the server ends the connection (before this change it renegotiated)
    expect(renegotiated).toBe(false);
    expect(socket.destroyed).toBe(true);
    const after = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)) });
    expect(after.status).toBe(200);
  });
});

describe("KME listener: after the handshake", () => {
  it("a valid SAE → 200 with a JSON status, Content-Type JSON UTF-8 and Cache-Control no-store", async () => {
    const a = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)) });
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(a.headers["cache-control"]).toBe("no-store");
    expect(a.json).toMatchObject({ source_KME_ID: "ep-bank", target_KME_ID: "ep-stock", master_SAE_ID: BANK, slave_SAE_ID: STOCK });
  });

  it("a certificate whose subject holds two CNs → 401 caller_cn_invalid, the registry never asked", async () => {
    const a = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.hostile.twoCns) });
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ message: "the client certificate's subject shall hold exactly one CN (it holds 2)", details: [{ qecnet_reason: "caller_cn_invalid" }] });
    expect(store.calls).toEqual(["hubReachable"]);
    expect(a.headers["cache-control"]).toBe("no-store");
  });

  it("a certificate whose subject holds no CN → 401 caller_cn_invalid", async () => {
    const a = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(await pki.issueSae("O=QECNet, OU=no common name")) });
    expect([a.status, a.json]).toEqual([401, { message: "the client certificate's subject shall hold exactly one CN (it holds 0)", details: [{ qecnet_reason: "caller_cn_invalid" }] }]);
  });

  it("a path outside the API and a method the path does not take are JSON too, with no-store", async () => {
    const notFound = await etsi014Request({ url: url(bankKme, "/index.html"), method: "GET", tls: clientTls(pki.sae(BANK)) });
    const notAllowed = await etsi014Request({ url: url(bankKme, statusPath), method: "DELETE", tls: clientTls(pki.sae(BANK)) });
    expect([notFound.status, notAllowed.status, notAllowed.headers.allow]).toEqual([404, 405, "GET"]);
    for (const a of [notFound, notAllowed]) {
      expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(a.headers["cache-control"]).toBe("no-store");
    }
  });

  it("an SAE-CA certificate for an SAE nobody registered → 401 caller_not_registered", async () => {
    const a = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.hostile.unregistered) });
    expect([a.status, a.json]).toEqual([401, { message: "SAE sae-unregistered-1 is not registered at KME ep-bank", details: [{ qecnet_reason: "caller_not_registered" }] }]);
  });

  it("a pinned SAE: its pinned certificate is served, another SAE-CA certificate with the same CN → 401 caller_cert_not_pinned", async () => {
    const other = await pki.issueSae(`CN=${BANK}`);
    store.pins.set(BANK, [sha256(pki.sae(BANK).cert)]);
    const pinned = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)) });
    expect(pinned.status).toBe(200);
    const a = await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(other) });
    expect([a.status, a.json]).toEqual([401, { message: "the client certificate is not one of those registered for SAE sae-bank-1", details: [{ qecnet_reason: "caller_cert_not_pinned" }] }]);
  });

  it("a 70 KiB body declared in Content-Length → 400 body_too_large, nothing read, the connection closed", async () => {
    const a = await etsi014Request({ url: url(bankKme, `/api/v1/keys/${STOCK}/enc_keys`), method: "POST", body: Buffer.alloc(70 * 1024, 0x20), tls: clientTls(pki.sae(BANK)) });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ message: "request body exceeds 65536 bytes", details: [{ qecnet_reason: "body_too_large", limit: 65536 }] });
    expect(a.headers.connection).toBe("close");
    expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(a.headers["cache-control"]).toBe("no-store");
    expect(store.claims).toBe(0);
  });

  it("a 70 KiB body streamed in chunks without a length → 400 body_too_large once past 64 KiB, the connection closed", async () => {
    const chunk = `400\r\n${" ".repeat(1024)}\r\n`;
    const http = `POST /api/v1/keys/${STOCK}/enc_keys HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(70)}0\r\n\r\n`;
    const x = await rawExchange(bankKme.port, pki.sae(BANK), http);
    expect(x.received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(x.received).toMatch(/\r\nConnection: close\r\n/i);
    expect(x.received).toContain('"qecnet_reason":"body_too_large"');
    expect(store.claims).toBe(0);
  });

  it("enc_keys at ep-bank then dec_keys at ep-stock return the same key bytes; one log line per request, no key bytes, no bodies", async () => {
    const enc = await etsi014Request({ url: url(bankKme, `/api/v1/keys/${STOCK}/enc_keys`), method: "POST", body: { number: 2, size: 256 }, tls: clientTls(pki.sae(BANK)) });
    expect(enc.status).toBe(200);
    const keys = (enc.json as { keys: Array<{ key_ID: string; key: string }> }).keys;
    expect(keys).toHaveLength(2);
    const dec = await etsi014Request({
      url: url(stockKme, `/api/v1/keys/${BANK}/dec_keys`),
      method: "POST",
      body: { key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) },
      tls: clientTls(pki.sae(STOCK)),
    });
    expect(dec.status).toBe(200);
    expect(dec.headers["cache-control"]).toBe("no-store");
    expect((dec.json as { keys: unknown }).keys).toEqual(keys);

    const logged = requestLines();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ level: 30, saeId: BANK, kmeId: "ep-bank", method: "POST", endpoint: "enc_keys", status: 200, keyIds: keys.map((k) => k.key_ID) });
    expect(logged[1]).toMatchObject({ level: 30, saeId: STOCK, kmeId: "ep-stock", endpoint: "dec_keys", status: 200 });
    expect(logged[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    for (const k of keys) {
      const b64 = k.key;
      expect(rawLog.join("")).not.toContain(b64.slice(0, 12));
      expect(rawLog.join("")).not.toContain(Buffer.from(b64, "base64").toString("hex").slice(0, 16));
    }
    expect(rawLog.join("")).not.toContain("key_IDs");
  });

  it("a refused request is logged at warn", async () => {
    await etsi014Request({ url: url(bankKme, `/api/v1/keys/${STOCK}/status`), method: "GET", tls: clientTls(pki.hostile.unregistered) });
    expect(requestLines()).toEqual([
      expect.objectContaining({ level: 40, status: 401, reason: "caller_not_registered", saeId: "sae-unregistered-1", certSha256: sha256(pki.hostile.unregistered.cert) }),
    ]);
  });

  it("a keep-alive agent carries several requests on one connection", async () => {
    const agent = etsi014Agent(clientTls(pki.sae(BANK)), 1);
    try {
      for (let i = 0; i < 3; i++) expect((await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)), agent })).status).toBe(200);
      expect(lines.filter((l) => l.msg === "etsi014 TLS handshake refused")).toEqual([]);
    } finally {
      agent.destroy();
    }
  });
});

describe("KME listener: hostile and broken clients", () => {
  it("a client that sends headers and stalls on the body is cut at the request timeout", async () => {
    const s = scenario();
    const kme = await startKmeListener({ host: "127.0.0.1", port: 0, tls: { ...pki.kme("ep-bank"), saeCa: pki.saeCa }, ports: s.bank, log, requestTimeoutMs: 400 });
    try {
      const t0 = performance.now();
      const x = await rawExchange(kme.port, pki.sae(BANK), `POST /api/v1/keys/${STOCK}/enc_keys HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20\r\n\r\n{"num`);
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(x.received === "" || x.received.startsWith("HTTP/1.1 408")).toBe(true);
      expect(s.store.claims).toBe(0);
    } finally {
      await kme.close();
    }
  });

  it("a client that stalls in the middle of its headers is cut too", async () => {
    const s = scenario();
    const kme = await startKmeListener({ host: "127.0.0.1", port: 0, tls: { ...pki.kme("ep-bank"), saeCa: pki.saeCa }, ports: s.bank, log, requestTimeoutMs: 400 });
    try {
      const t0 = performance.now();
      await rawExchange(kme.port, pki.sae(BANK), `GET ${statusPath} HTTP/1.1\r\nHost: loc`);
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(s.store.calls).toEqual([]);
    } finally {
      await kme.close();
    }
  });

  it("garbage instead of HTTP gets a JSON 400 and the listener keeps serving", async () => {
    const x = await rawExchange(bankKme.port, pki.sae(BANK), "NOT HTTP AT ALL\r\n\r\n");
    expect(x.received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(x.received).toContain("Content-Type: application/json; charset=utf-8");
    expect(x.received).toContain('"qecnet_reason":"malformed_http"');
    expect((await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)) })).status).toBe(200);
  });

  it("a client that disconnects mid-body leaves nothing claimed and the listener serving", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: bankKme.port, servername: "localhost", ca: pki.kmeCa, ...pki.sae(BANK) });
      socket.on("secureConnect", () => {
        socket.write(`POST /api/v1/keys/${STOCK}/enc_keys HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{"number":`);
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(store.claims).toBe(0);
    expect(requestLines()).toEqual([]);
    expect((await etsi014Request({ url: url(bankKme, statusPath), method: "GET", tls: clientTls(pki.sae(BANK)) })).status).toBe(200);
  });
});
