/**
 * Tampering is noticed without a button (issue 12, finding 10), in Chromium
 * against `next start`: a superuser edits one audit entry and deletes
 * another with the append-only trigger disabled; within seconds every role
 * sees the integrity banner naming both, and /api/ready says so. Repaired,
 * the banner goes away once the background re-verification passes again.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { expect, test } from "@playwright/test";
import { signIn, type DemoUser } from "./auth";
import { e2eStateFile } from "./e2e-state";
import { E2E_METRICS_TOKEN } from "./metrics-token";
import { closeExtraContextsAfterEach } from "./extra-contexts";

closeExtraContextsAfterEach();

const port = Number(process.env.E2E_PORT ?? 3107);

test("every role sees the audit integrity banner while the log is tampered with", async ({ browser, page }) => {
  test.setTimeout(90_000);
  const { databaseUrl } = JSON.parse(readFileSync(e2eStateFile(port), "utf8")) as { databaseUrl: string };
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const n = Number((await db.query<{ seq: string }>("SELECT max(seq) AS seq FROM audit_entries")).rows[0]!.seq);
  expect(n).toBeGreaterThan(30);
  const [edited, deleted] = [Math.floor(n / 3), Math.floor((2 * n) / 3)];
  const saved = (await db.query<{ row: unknown }>("SELECT row_to_json(e) AS row FROM audit_entries e WHERE seq IN ($1, $2) ORDER BY seq", [edited, deleted])).rows;
  await db.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
  await db.query(`UPDATE audit_entries SET details = details::jsonb || '{"tampered": true}'::jsonb WHERE seq = $1`, [edited]);
  await db.query("DELETE FROM audit_entries WHERE seq = $1", [deleted]);
  await db.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
  try {
    for (const who of ["viewer", "analyst", "officer1", "admin"] satisfies DemoUser[]) {
      const context = await browser.newContext();
      const p = await context.newPage();
      await signIn(p, who);
      await p.goto("/mesh");
      const banner = p.getByTestId("integrity-banner");
      await expect(banner, `the banner for ${who}`).toBeVisible({ timeout: 30_000 });
      await expect(banner.locator(`[data-testid="integrity-break"][data-seq="${edited}"]`)).toHaveAttribute("data-kind", "ENTRY_HASH_MISMATCH");
      await expect(banner.locator(`[data-testid="integrity-break"][data-seq="${deleted}"]`)).toHaveAttribute("data-kind", "SEQUENCE_GAP");
      await context.close();
    }
    // As an orchestrator probes it: /api/ready answers a session or the scrape token.
    const ready = await page.request.get("/api/ready", { headers: { authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
    expect(ready.status()).toBe(503);
    const body = (await ready.json()) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.checks.find((c) => c.name === "worker:audit-integrity")).toMatchObject({ ok: false, detail: expect.stringContaining(`#${edited}`) });
  } finally {
    // Repair, so the specs after this one run on an intact log.
    await db.query("ALTER TABLE audit_entries DISABLE TRIGGER USER");
    await db.query("DELETE FROM audit_entries WHERE seq = $1", [edited]);
    await db.query("INSERT INTO audit_entries SELECT * FROM json_populate_recordset(NULL::audit_entries, $1::json)", [JSON.stringify(saved.map((r) => r.row))]);
    await db.query("ALTER TABLE audit_entries ENABLE TRIGGER USER");
    await db.end();
  }
  await signIn(page, "viewer");
  await page.goto("/mesh");
  await expect(page.getByTestId("brand")).toBeVisible();
  await expect(page.getByTestId("integrity-banner")).toHaveCount(0, { timeout: 30_000 });
});
