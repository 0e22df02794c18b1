/**
 * Nothing is readable without a session. Enumerates every route file under
 * app/api and every tRPC procedure of appRouter, calls each through its real
 * route handler with no session (and with a forged cookie), and expects 401,
 * except the short allow-list of routes ROUTE_ACCESS marks public, each with
 * its reason. Also: the scrape token opens /api/metrics and /api/ready and
 * nothing else; without a configured token, metrics are refused to everyone.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appRouter } from "./root";
import { forgetEnv } from "../config/env";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { ROUTE_ACCESS, type RoutePath } from "../domain/access/permissions";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TOKEN = randomBytes(24).toString("hex");
const BASE = "http://127.0.0.1:3000";

/** Every app/api route file as its folder pattern ("/api/audit/export", "/api/trpc/[trpc]"). */
function routeFiles(dir = path.join(ROOT, "app", "api"), base = "/api"): Array<{ pattern: string; file: string }> {
  const out: Array<{ pattern: string; file: string }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...routeFiles(path.join(dir, e.name), `${base}/${e.name}`));
    else if (/^route\.(ts|tsx|js)$/.test(e.name)) out.push({ pattern: base, file: path.join(dir, e.name) });
  }
  return out.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** A concrete URL for a pattern ([...all] and [trpc] filled in). */
function sampleUrl(pattern: string): string {
  return BASE + pattern.replace("[...all]", "get-session").replace("[trpc]", "keys.list");
}

type Handler = (req: Request) => Promise<Response>;
async function handlersOf(file: string): Promise<Record<string, Handler>> {
  const mod = (await import(file)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(mod).filter(([k, v]) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(k) && typeof v === "function")) as Record<string, Handler>;
}

const FILES = routeFiles();
const PUBLIC = Object.entries(ROUTE_ACCESS).filter(([, a]) => "public" in a).map(([p]) => p);

describe("every route and every procedure refuses a caller without a session", () => {
  let t: TestDatabase;
  const saved = { ...process.env };

  beforeAll(async () => {
    t = await createTestDatabase(inject("adminUrl"), "unauth");
    Object.assign(process.env, {
      DATABASE_URL: t.url,
      QECNET_DATA_DIR: mkdtempSync(path.join(tmpdir(), "qecnet-unauth-")),
      QECNET_MASTER_KEY: randomBytes(32).toString("hex"),
      QECNET_METRICS_TOKEN: TOKEN,
      QECNET_AUDIT_CHECKPOINT_INTERVAL_S: "0",
    });
    forgetEnv();
  });
  afterAll(async () => {
    const g = globalThis as { __qecnetServices?: { db: { $disconnect(): Promise<void> } } };
    await g.__qecnetServices?.db.$disconnect().catch(() => undefined);
    process.env = saved;
    forgetEnv();
    await t?.dispose();
  });

  it("the access table lists every route file under app/api, and only those", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(9);
    const listed = Object.keys(ROUTE_ACCESS).sort();
    expect(FILES.map((f) => f.pattern).filter((p) => !listed.includes(p)), "route files without a row in ROUTE_ACCESS").toEqual([]);
    expect(listed.filter((p) => !FILES.some((f) => f.pattern === p)), "rows for routes that do not exist").toEqual([]);
  });

  it("every route file exports only handlers wrapped in its own row of the table", () => {
    for (const { pattern, file } of FILES) {
      const src = readFileSync(file, "utf8");
      expect(src, `${pattern} must wrap its handlers: guarded("${pattern}", ...)`).toContain(`guarded("${pattern}"`);
      expect(src, `${pattern}: no unguarded exported handler`).not.toMatch(/export (async )?function (GET|POST|PUT|PATCH|DELETE)\b/);
    }
  });

  it("the allow-list is short and each entry says why", () => {
    expect(PUBLIC.sort()).toEqual(["/api/audit/checkpoints", "/api/auth/[...all]", "/api/health"]);
    for (const p of PUBLIC) expect((ROUTE_ACCESS[p as RoutePath] as { public: string }).public.length).toBeGreaterThan(20);
  });

  it.each(FILES.filter((f) => !PUBLIC.includes(f.pattern) && f.pattern !== "/api/trpc/[trpc]"))("$pattern answers 401 without a session, with a forged cookie and with a wrong token", async ({ pattern, file }) => {
    const handlers = await handlersOf(file);
    expect(Object.keys(handlers).length).toBeGreaterThan(0);
    for (const [method, handler] of Object.entries(handlers)) {
      const probes: Array<Record<string, string>> = [{}, { cookie: "qecnet.session_token=forged.signature" }, { authorization: `Bearer ${"0".repeat(48)}` }, { authorization: "Basic YWRtaW46YWRtaW4=" }];
      for (const headers of probes) {
        const res = await handler(new Request(`${sampleUrl(pattern)}?seq=1&from=1&to=2`, { method, headers }));
        expect(res.status, `${method} ${pattern} ${JSON.stringify(headers)}`).toBe(401);
        const body = (await res.json()) as { message: string };
        expect(body.message).toMatch(/session|token/i);
      }
    }
  });

  it("/api/health stays open and says nothing but that it is alive", async () => {
    const { GET } = await handlersOf(FILES.find((f) => f.pattern === "/api/health")!.file);
    const res = await GET!(new Request(`${BASE}/api/health`));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("the metrics token opens /api/metrics and /api/ready, and nothing that needs a session", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const metrics = await handlersOf(FILES.find((f) => f.pattern === "/api/metrics")!.file);
    const scraped = await metrics.GET!(new Request(`${BASE}/api/metrics`, { headers: auth }));
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^# HELP /m);
    const ready = await handlersOf(FILES.find((f) => f.pattern === "/api/ready")!.file);
    expect((await ready.GET!(new Request(`${BASE}/api/ready`, { headers: auth }))).status).not.toBe(401);
    for (const p of ["/api/audit/export", "/api/audit/proofs/inclusion", "/api/audit/proofs/consistency"]) {
      const h = await handlersOf(FILES.find((f) => f.pattern === p)!.file);
      expect((await h.GET!(new Request(`${BASE}${p}?seq=1&from=1&to=2`, { headers: auth }))).status, p).toBe(401);
    }
  });

  it("without a configured token, /api/metrics refuses every scrape", async () => {
    delete process.env.QECNET_METRICS_TOKEN;
    forgetEnv();
    try {
      const metrics = await handlersOf(FILES.find((f) => f.pattern === "/api/metrics")!.file);
      const probes: Array<Record<string, string>> = [{}, { authorization: "Bearer " }, { authorization: `Bearer ${TOKEN}` }];
      for (const headers of probes) {
        const res = await metrics.GET!(new Request(`${BASE}/api/metrics`, { headers }));
        expect(res.status).toBe(401);
        expect(((await res.json()) as { message: string }).message).toMatch(/no QECNET_METRICS_TOKEN/);
      }
    } finally {
      process.env.QECNET_METRICS_TOKEN = TOKEN;
      forgetEnv();
    }
  });

  const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>);

  it.each(procedures.map(([p, proc]) => [p, proc._def.type] as const))("tRPC %s (%s) answers 401 over HTTP without a session", async (p, type) => {
    const { GET, POST } = await handlersOf(FILES.find((f) => f.pattern === "/api/trpc/[trpc]")!.file);
    const probes: Array<Record<string, string>> = [{}, { cookie: "qecnet.session_token=forged.signature" }];
    for (const headers of probes) {
      const res = type === "mutation"
        ? await POST!(new Request(`${BASE}/api/trpc/${p}`, { method: "POST", headers: { ...headers, "content-type": "application/json", origin: BASE }, body: "{}" }))
        : await GET!(new Request(`${BASE}/api/trpc/${p}`, { headers: { ...headers, ...(type === "subscription" ? { accept: "text/event-stream" } : {}) } }));
      expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
      await res.body?.cancel();
    }
  });
});
