/**
 * The scenario the ETSI 014 unit tests (server/kme/etsi014) share (not itself a test): two sites
 * (ep-bank, ep-stock), their SAEs and pairs, a filled pool, and helpers to send a
 * request and read the answer. Shaped after KEY-DELIVERY.md §4's examples so a
 * failing test reads like the design document.
 */
import { createHash } from "node:crypto";
import { handleEtsi014Request, type Etsi014Outcome, type Etsi014Request } from "../kme/etsi014/etsi014-kme";
import { InMemoryPorts, type PoolKey } from "./etsi014-in-memory-ports";
import type { Etsi014Ports } from "../kme/etsi014/kme-ports";

export const BANK = "sae-bank-1";
export const STOCK = "sae-stock-1";
/** Registered at ep-stock but not addressed by BANK's keys. */
export const STOCK_2 = "sae-stock-2";
/** Registered at ep-bank, paired with nobody. */
export const LONER = "sae-bank-lonely";

export const keyIdOf = (i: number) => `0a782fb5-3434-48fe-aa4d-${i.toString(16).padStart(12, "0")}`;
export const materialOf = (keyId: string) => new Uint8Array(createHash("sha256").update(keyId).digest());

export function poolKeys(count: number, from = 1, route: Partial<Pick<PoolKey, "routeNodes" | "relays">> = {}): PoolKey[] {
  return Array.from({ length: count }, (_, i) => {
    const keyId = keyIdOf(from + i);
    return { keyId, material: materialOf(keyId), routeNodes: route.routeNodes ?? ["ep-bank", "ep-stock"], relays: route.relays ?? 0 };
  });
}

/** ep-bank and ep-stock, BANK paired with STOCK and STOCK_2, 10 pool keys. `ports` is the KME at ep-bank. */
export function scenario(poolSize = 10): { store: InMemoryPorts; bank: Etsi014Ports; stock: Etsi014Ports } {
  const store = new InMemoryPorts("ep-bank");
  store.addSae(BANK, "ep-bank").addSae(STOCK, "ep-stock").addSae(STOCK_2, "ep-stock").addSae(LONER, "ep-bank");
  store.pair(BANK, STOCK).pair(BANK, STOCK_2);
  store.fill(BANK, STOCK, poolKeys(poolSize));
  return { store, bank: store.at("ep-bank"), stock: store.at("ep-stock") };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  json: Record<string, unknown>;
  text: string;
  outcome: Etsi014Outcome;
}

let seq = 0;

export async function send(
  ports: Etsi014Ports,
  method: string,
  target: string,
  body: string | Uint8Array | object = "",
  caller = BANK,
  /** What the transport would add from the client certificate (its CN count and SHA-256). */
  cert: Pick<Etsi014Request, "callerCnCount" | "callerCertSha256"> = {},
): Promise<Answer> {
  const bytes = body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body));
  const outcome = await handleEtsi014Request(ports, { requestId: `req-${++seq}`, method, target, body: bytes, callerSaeId: caller, ...cert });
  const text = outcome.response.body;
  return { status: outcome.response.status, headers: outcome.response.headers, json: JSON.parse(text) as Record<string, unknown>, text, outcome };
}

/** The single `qecnet_reason` of a refusal (the details object that carries one). */
export function reasonOf(a: Answer): unknown {
  const details = a.json.details as Array<Record<string, unknown>> | undefined;
  return details?.find((d) => "qecnet_reason" in d)?.qecnet_reason;
}

export const enc = (slave = STOCK, query = "") => `/api/v1/keys/${slave}/enc_keys${query}`;
export const dec = (master = BANK, query = "") => `/api/v1/keys/${master}/dec_keys${query}`;
export const status = (slave = STOCK) => `/api/v1/keys/${slave}/status`;

/** Issues `n` keys to BANK for STOCK and returns their IDs and bytes (base64). */
export async function issue(bank: Etsi014Ports, n = 1, size = 256): Promise<Array<{ key_ID: string; key: string }>> {
  const a = await send(bank, "POST", enc(), { number: n, size });
  if (a.status !== 200) throw new Error(`issue failed: ${a.text}`);
  return a.json.keys as Array<{ key_ID: string; key: string }>;
}
