/**
 * The applications of bench:kme in their own process, as real ETSI 014 clients are: the parent sends one phase at a
 * time as a JSON line on stdin, this process runs it (every application at once, each with its own keep-alive mTLS
 * connection, one call after another) and answers with one JSON line: each call's latency in ms and the failures.
 * Keys issued by enc_keys stay here; dec_keys asks for them and counts byte mismatches. Nothing else is printed.
 *   {"phase":"status"|"enc_keys"|"dec_keys"|"static","calls":N}
 * Started by bench/kme.ts with the PKI folder, the two KMEs' ports, the static server's port and the application count.
 */
import { readFileSync } from "node:fs";
import type { Agent } from "node:https";
import { createInterface } from "node:readline";
import { kmePkiPaths } from "../server/kme/pki/kme-pki-paths";
import { etsi014Agent, etsi014Request, type Etsi014ClientResponse, type Etsi014ClientTls } from "../server/testing/etsi014-client";

const [pkiDir, bankPort, stockPort, staticPort, appCount] = process.argv.slice(2);
if (!pkiDir || !bankPort || !stockPort || !staticPort || !appCount) {
  process.stderr.write("usage: kme-clients <pkiDir> <bankPort> <stockPort> <staticPort> <apps>\n");
  process.exit(2);
}
const apps = Array.from({ length: Number(appCount) }, (_, i) => i);
const bank = (i: number) => `sae-bank-${i + 1}`;
const stock = (i: number) => `sae-stock-${i + 1}`;
const p = kmePkiPaths(pkiDir);
const ca = readFileSync(p.kmeCaCert);
const tlsOf = (sae: string): Etsi014ClientTls => ({ ca, cert: readFileSync(p.saeCert(sae)), key: readFileSync(p.saeKey(sae)) });
const tls = new Map(apps.flatMap((i) => [bank(i), stock(i)]).map((s) => [s, tlsOf(s)]));
const issued: Array<Array<{ key_ID: string; key: string }>> = apps.map(() => []);

type Outcome = true | string;
const why = (r: Etsi014ClientResponse) => `${r.status} ${JSON.stringify(r.json).slice(0, 200)}`;

async function phase(name: string, calls: number): Promise<{ ms: number[]; failed: number; samples: string[]; mismatches: number }> {
  let mismatches = 0;
  // Fresh keep-alive connections per phase, warmed by one untimed status call each (a connection idle across phases
  // would meet the servers' 5 s keep-alive timeout).
  const agents: Agent[] = [];
  const agentOf = new Map<string, Agent>();
  const agent = (key: string, sae: string) => {
    let a = agentOf.get(key);
    if (!a) {
      a = etsi014Agent(tls.get(sae)!, 1);
      agentOf.set(key, a);
      agents.push(a);
    }
    return a;
  };
  const kme = (port: string, sae: string, method: string, path: string, body?: object) =>
    etsi014Request({ url: `https://127.0.0.1:${port}/api/v1/keys/${path}`, method, body, tls: tls.get(sae)!, agent: agent(`${port}/${sae}`, sae) });
  const callOf = (a: number, k: number): (() => Promise<Outcome>) => {
    if (name === "static") return async () => {
      const r = await etsi014Request({ url: `https://127.0.0.1:${staticPort}/`, method: "GET", tls: tls.get(bank(a))!, agent: agent(`static/${a}`, bank(a)) });
      return r.status === 200 || why(r);
    };
    if (name === "status") return async () => {
      const r = await kme(bankPort!, bank(a), "GET", `${stock(a)}/status`);
      return r.status === 200 || why(r);
    };
    if (name === "enc_keys") return async () => {
      const r = await kme(bankPort!, bank(a), "GET", `${stock(a)}/enc_keys`);
      if (r.status !== 200) return why(r);
      issued[a]!.push(...(r.json as { keys: Array<{ key_ID: string; key: string }> }).keys);
      return true;
    };
    return async () => {
      const want = issued[a]![k];
      if (!want) return "no key (its enc_keys failed)";
      const r = await kme(stockPort!, stock(a), "POST", `${bank(a)}/dec_keys`, { key_IDs: [{ key_ID: want.key_ID }] });
      if (r.status !== 200) return why(r);
      if ((r.json as { keys: Array<{ key: string }> }).keys[0]?.key !== want.key) mismatches++;
      return true;
    };
  };
  await Promise.all(apps.map(async (a) => {
    if (name === "static") await etsi014Request({ url: `https://127.0.0.1:${staticPort}/`, method: "GET", tls: tls.get(bank(a))!, agent: agent(`static/${a}`, bank(a)) });
    else if (name === "dec_keys") await kme(stockPort!, stock(a), "GET", `${bank(a)}/status`);
    else await kme(bankPort!, bank(a), "GET", `${stock(a)}/status`);
  }));
  const out = { ms: [] as number[], failed: 0, samples: [] as string[], mismatches: 0 };
  await Promise.all(apps.map(async (a) => {
    for (let k = 0; k < calls; k++) {
      const t0 = performance.now();
      const ok = await callOf(a, k)().catch((e: unknown) => String(e));
      out.ms.push(performance.now() - t0);
      if (ok !== true) {
        out.failed++;
        if (out.samples.length < 3) out.samples.push(ok);
      }
    }
  }));
  for (const a of agents) a.destroy();
  out.mismatches = mismatches;
  if (name === "dec_keys") for (const list of issued) list.length = 0; // fetched: keys leave this process's memory
  return out;
}

process.stdout.write("READY\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const cmd = JSON.parse(line) as { phase: string; calls: number };
  const r = await phase(cmd.phase, cmd.calls);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
