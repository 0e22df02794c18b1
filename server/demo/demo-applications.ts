/**
 * The demo's application pair at work (`npm run demo`): every few seconds the
 * master application (sae-bank-1) takes a key from its site's KME with
 * `enc_keys` and the slave (sae-stock-1) fetches it from its own KME with
 * `dec_keys`, the standard ETSI GS QKD 014 way, over mutual TLS with their
 * demo certificates. The console shows the deliveries live (key pages, the
 * KME panel, the audit log). The pair only checks that both got the same
 * bytes; it never prints them. Runs in the demo launcher, beside the agents.
 */
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { kmePkiPaths } from "../kme/pki/kme-pki-paths";
import { DEMO_SAES } from "./demo-saes";

export interface DemoApplicationsOptions {
  pkiDir: string;
  /** The demo KMEs' ports (demoKmePorts). */
  kmePorts: ReadonlyMap<string, number>;
  everyMs?: number;
  /** One line per minute: exchanges done, refusals seen. */
  report?(line: string): void;
}

interface Answer {
  status: number;
  json: unknown;
}

/** Starts the exchange loop; returns the function that stops it. */
export function startDemoApplications(o: DemoApplicationsOptions): () => void {
  const [master, slave] = DEMO_SAES;
  if (!master || !slave) return () => undefined;
  const paths = kmePkiPaths(o.pkiDir);
  const tlsOf = (saeId: string) => ({ ca: readFileSync(paths.kmeCaCert), cert: readFileSync(paths.saeCert(saeId)), key: readFileSync(paths.saeKey(saeId)) });
  const call = (site: string, saeId: string, method: "GET" | "POST", target: string, body?: object): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: "127.0.0.1", port: o.kmePorts.get(site), servername: "localhost", method, path: `/api/v1/keys/${target}`, ...tlsOf(saeId),
          headers: text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {},
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            let json: unknown = null;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
              json = null;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
      req.end(text);
    });

  let done = 0;
  let refused = 0;
  let lastReport = performance.now();
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      const enc = await call(master.nodeId, master.saeId, "POST", `${slave.saeId}/enc_keys`, { number: 1 });
      const keys = (enc.json as { keys?: Array<{ key_ID: string; key: string }> } | null)?.keys;
      if (enc.status !== 200 || !keys?.length) {
        refused++;
        return;
      }
      const dec = await call(slave.nodeId, slave.saeId, "POST", `${master.saeId}/dec_keys`, { key_IDs: keys.map((k) => ({ key_ID: k.key_ID })) });
      const got = (dec.json as { keys?: Array<{ key_ID: string; key: string }> } | null)?.keys;
      if (dec.status === 200 && got?.length === keys.length && got.every((k, i) => k.key_ID === keys[i]!.key_ID && k.key === keys[i]!.key)) done++;
      else refused++;
    } catch {
      refused++; // a KME not up yet (the agents start with the console) or restarting
    } finally {
      running = false;
      if (performance.now() - lastReport >= 60_000) {
        o.report?.(`Demo applications ${master.saeId} → ${slave.saeId}: ${done} key(s) exchanged with identical bytes at both sites, ${refused} attempt(s) refused or unavailable in the last minute`);
        done = 0;
        refused = 0;
        lastReport = performance.now();
      }
    }
  };
  const timer = setInterval(() => void round(), o.everyMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
