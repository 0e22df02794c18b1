/**
 * /api/metrics content on a real database: scrape-time gauges show the keys,
 * links and audit chain as they are, counters only grow by what is new, and
 * the whole output passes `promtool check metrics` (skipped, and said so,
 * where promtool is not installed).
 */
import { manualClock } from "../time/clock";
import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testKeyService } from "../testing/fixtures";
import { testCheckpointService } from "../testing/checkpoint-fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { QecnetMetrics } from "./metrics";

let t: TestDatabase;
let m: QecnetMetrics;

const promtool = spawnSync("promtool", ["--version"]).status === 0;

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "metrics");
  await createNodes(t.db);
  await t.db.link.create({ data: { id: "link-a-b", aNodeId: "node-a", bNodeId: "node-b", lengthKm: 40, baselineQber: 0.02, qber: 0.031, secretKeyRateBps: 1000, poolBits: 5000n, poolCapacityBits: 8000n } });
  const keys = testKeyService(t.db);
  const k = await keys.create({ label: "m-1", purpose: "metrics", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
  await keys.apply(k.id, { type: "DISTRIBUTE" }, ACTOR);
  await keys.collectReceipts(k.id, ACTOR);
  const failing = await keys.create({ label: "m-2", purpose: "metrics", policy: "standard", participants: ["node-c"] }, ACTOR);
  await keys.apply(failing.id, { type: "FAIL_DISTRIBUTION", reason: "no path" }, ACTOR);
  // The checkpoint is signed at a fixed instant; the scrape runs 90 s later on the same clock.
  const clock = manualClock("2031-06-01T08:00:00Z");
  await testCheckpointService(t.db, { clock }).publish();
  clock.advance(90_000);
  m = new QecnetMetrics();
  m.attach({ db: t.db, clock });
  m.trpcDuration.observe({ path: "keys.list", type: "query", outcome: "ok" }, 0.004);
});
afterAll(async () => t?.dispose());

describe("metrics", () => {
  it("reports keys per state, links, the chain, the checkpoint and derived counters from the database", async () => {
    const text = await m.scrape();
    if (process.env.DUMP_METRICS) console.log(text);
    expect(value(text, 'qecnet_keys{state="ACTIVE"}')).toBe(1);
    expect(value(text, 'qecnet_keys{state="DESTROYED"}')).toBe(1);
    expect(value(text, 'qecnet_keys{state="ROTATING"}')).toBe(0);
    expect(value(text, 'qecnet_link_qber_ratio{link="link-a-b"}')).toBe(0.031);
    expect(value(text, 'qecnet_link_pool_bytes{link="link-a-b"}')).toBe(625);
    const head = Number((await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
    expect(value(text, "qecnet_audit_chain_length")).toBe(head);
    expect(value(text, "qecnet_audit_checkpoint_tree_size")).toBe(head);
    expect(value(text, "qecnet_audit_checkpoint_age_seconds")).toBe(90);
    expect(value(text, 'qecnet_audit_actions_total{action="KEY_ACTIVATED"}')).toBe(1);
    expect(value(text, 'qecnet_failures_total{kind="KEY_DISTRIBUTION_FAILED"}')).toBe(1);
    expect(value(text, "qecnet_key_distribution_seconds_count")).toBe(1);
    expect(value(text, "qecnet_approvals_pending")).toBe(0);
    expect(value(text, 'qecnet_trpc_request_duration_seconds_count{path="keys.list",type="query",outcome="ok"}')).toBe(1);
    expect(text).not.toMatch(/nodejs_active_\w+_total/);
  });

  it("counters grow only by new entries across scrapes; plug-in sources are used", async () => {
    const before = value(await m.scrape(), 'qecnet_audit_actions_total{action="KEY_ACTIVATED"}');
    const again = await m.scrape();
    expect(value(again, 'qecnet_audit_actions_total{action="KEY_ACTIVATED"}')).toBe(before);
    m.setApprovalsPendingSource(async () => 3);
    expect(value(await m.scrape(), "qecnet_approvals_pending")).toBe(3);
  });

  it(promtool ? "passes promtool check metrics" : "passes promtool check metrics — SKIPPED: promtool is not installed (Debian package prometheus)", async () => {
    if (!promtool) return;
    const text = await m.scrape();
    const out = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${out.stdout}${out.stderr}`.trim()).toBe("");
    expect(out.status).toBe(0);
    // And the check can fail: a gauge named like a counter is reported.
    const bad = spawnSync("promtool", ["check", "metrics"], { input: "# HELP x_total a gauge\n# TYPE x_total gauge\nx_total 1\n", encoding: "utf8" });
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/x_total/);
    expect(execFileSync("promtool", ["--version"]).toString()).toMatch(/promtool/);
  });
});
