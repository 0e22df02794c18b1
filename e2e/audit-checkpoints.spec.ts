/**
 * Signed checkpoints in the console, in Chromium against `next start`: the
 * Audit page publishes a checkpoint, pins its key, and proves an entry's
 * inclusion in the browser itself — and reports a forged proof as failed even
 * though the server sent it. The export downloads and verifies offline; the
 * operations endpoints answer.
 */
import { expect, test } from "@playwright/test";
import { verifyExport } from "../server/audit/offline/verify-export";
import { signIn } from "./auth";
import { E2E_METRICS_TOKEN } from "./metrics-token";

test("an entry's inclusion in the latest signed checkpoint is verified in the browser", async ({ page }) => {
  await signIn(page, "analyst");
  await page.goto("/audit");
  const panel = page.getByTestId("checkpoint-panel");
  await expect(panel.getByTestId("checkpoint-public-key")).toHaveText(/^[A-Za-z0-9+/]{43}=$/);
  await panel.getByTestId("publish-checkpoint").click();
  await expect(panel.getByTestId("publish-result")).toBeVisible();
  await panel.getByTestId("pin-key").click();
  await expect(panel.getByTestId("key-pin-state")).toHaveAttribute("data-state", "pinned");
  const size = Number((await panel.getByTestId("checkpoint-size").textContent())!.slice(1));
  expect(size).toBeGreaterThan(10);

  const row = page.locator(`[data-testid="audit-row"][data-seq="${size}"]`);
  await row.getByTestId("audit-details-toggle").click();
  const details = page.getByTestId("audit-row-details");
  await details.getByTestId("check-inclusion").click();
  const result = details.getByTestId("inclusion-result");
  await expect(result).toHaveAttribute("data-verdict", "verified");
  await expect(result).toContainText(`Entry #${size} is in signed checkpoint #${size}`);
  await expect(result.getByTestId("inclusion-step")).toHaveCount(5); // entry hash, position, inclusion, head, signature
  await expect(result.locator('[data-testid="inclusion-step"][data-ok="false"]')).toHaveCount(0);
});

test("a proof forged by the server is reported as failed by the browser", async ({ page }) => {
  await signIn(page, "analyst");
  await page.route(/\/api\/trpc\/.*checkpoints\.inclusionProof/, async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Array<{ result?: { data?: { json?: { proof?: string[] } } } }>;
    for (const part of body) {
      const proof = part.result?.data?.json?.proof;
      if (proof?.length) proof[0] = `${proof[0]!.slice(0, 63)}${proof[0]!.endsWith("0") ? "1" : "0"}`;
    }
    await route.fulfill({ response, json: body });
  });
  await page.goto("/audit");
  await page.getByTestId("publish-checkpoint").click();
  await expect(page.getByTestId("publish-result")).toBeVisible();
  await page.getByTestId("audit-details-toggle").nth(3).click();
  await page.getByTestId("check-inclusion").click();
  const result = page.getByTestId("inclusion-result");
  await expect(result).toHaveAttribute("data-verdict", "failed");
  await expect(result.locator('[data-testid="inclusion-step"][data-ok="false"]')).toContainText("Merkle inclusion");
});

test("the export downloads as an attachment and verifies offline; ready and metrics answer", async ({ page }) => {
  const request = page.request;
  for (const path of ["/api/audit/export?format=jsonl", "/api/audit/proofs/inclusion?seq=1", "/api/audit/proofs/consistency?from=1&to=2", "/api/ready", "/api/metrics"]) {
    expect((await request.get(path)).status(), `${path} without a session: refused`).toBe(401);
  }
  expect(await (await request.get("/api/health")).json(), "health stays open and says nothing else").toEqual({ status: "ok" });
  await signIn(page, "viewer");
  const latest = await request.get("/api/audit/checkpoints?latest=1");
  const { publicKey } = (await latest.json()) as { publicKey: string };
  const res = await request.get("/api/audit/export?format=jsonl");
  expect(res.status()).toBe(200);
  expect(res.headers()["content-disposition"]).toMatch(/^attachment; filename="qecnet-audit-1-\d+\.jsonl"$/);
  const lines = (await res.text()).split("\n").slice(0, -1);
  const report = await verifyExport(lines, { publicKey });
  expect(report.failure).toBeNull();
  expect(report.ok).toBe(true);
  expect(report.entries).toBeGreaterThan(10);

  const bad = await request.get("/api/audit/export?from=0");
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toMatch(/from: must be a positive whole number/);
  const csv = await request.get("/api/audit/export?format=csv&from=1&to=3");
  expect((await csv.text()).split("\r\n").filter(Boolean)).toHaveLength(4);

  const ready = await request.get("/api/ready");
  expect(ready.status()).toBe(200);
  const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean }> };
  expect(body.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["database", "migrations", "worker:audit-checkpoints"]));
  // The audit verifier's worker thread loads under `next start` (from the source, through tsx, outside the bundle).
  await expect
    .poll(async () => ((await (await request.get("/api/ready")).json()) as { checks: Array<{ name: string; detail: string }> }).checks.find((c) => c.name === "worker:audit-verifier-thread")?.detail, { timeout: 15_000 })
    .toBe("worker thread loaded: long chains are verified on two threads");
  // A session is not enough for metrics: only the scrape token opens them (per-link QBER would tell an eavesdropper too much).
  expect((await request.get("/api/metrics")).status(), "metrics without the token: refused").toBe(401);
  const metricsText = await (await request.get("/api/metrics", { headers: { authorization: `Bearer ${E2E_METRICS_TOKEN}` } })).text();
  expect(metricsText).toMatch(/^qecnet_audit_chain_length \d+$/m);
  expect(metricsText).toMatch(/^qecnet_keys\{state="ACTIVE"\} \d+$/m);
});
