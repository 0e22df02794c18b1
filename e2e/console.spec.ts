/**
 * The console in Chromium against `next start` on a freshly seeded demo
 * database (scripts/e2e-server.ts): navigation, the mesh, the keys page with
 * its filters and search, a key's lifecycle driven through the UI, creating a
 * key, and the audit page's chain verification.
 */
import { expect, test, type Page } from "@playwright/test";

const STATES = ["GENERATED", "DISTRIBUTED", "ACTIVE", "ROTATING", "RETIRED", "REVOKED", "DESTROYED"] as const;

async function openKey(page: Page, label: string, state: string) {
  await page.goto("/keys");
  const row = page.locator(`[data-testid="key-row"][data-state="${state}"]`, { hasText: label });
  await expect(row).toHaveCount(1);
  await row.getByTestId("key-link").click();
  await expect(page.getByTestId("key-label")).toHaveText(label);
  await expect(page.getByTestId("key-state")).toContainText(state);
}

test("the shell navigates between Mesh, Keys, Approvals and Audit", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/mesh$/);
  await expect(page.getByTestId("mesh-graph")).toBeVisible();
  await expect(page.getByTestId("mesh-node")).toHaveCount(24); // the demo mesh (server/demo/demo-topology.ts)
  await expect(page.locator('.react-flow__node[data-id="hub-sov"]')).toContainText("Sovereign Hub");
  await page.getByTestId("nav-keys").click();
  await expect(page).toHaveURL(/\/keys/);
  await page.getByTestId("nav-approvals").click();
  await expect(page.getByTestId("approvals-placeholder")).toBeVisible();
  await page.getByTestId("nav-audit").click();
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
});

test("the keys page counts every state, filters by state and searches", async ({ page }) => {
  await page.goto("/keys");
  for (const s of STATES) {
    await expect(page.getByTestId(`state-count-${s}`)).not.toHaveText("0");
  }
  await expect(page.getByTestId("state-count-ALL")).toHaveText("12");
  await page.getByTestId("state-chip-REVOKED").click();
  await expect(page).toHaveURL(/state=REVOKED/);
  await expect(page.getByTestId("key-row")).toHaveCount(1);
  await expect(page.getByTestId("key-row")).toContainText("port-customs");
  await page.getByTestId("state-chip-ALL").click();
  await page.getByTestId("key-search").fill("hospital");
  await expect(page.getByTestId("key-row")).toHaveCount(2);
  await page.getByTestId("key-search").fill("no-such-key-anywhere");
  await expect(page.getByTestId("key-row")).toHaveCount(0);
  await expect(page.getByText(/No keys match/i)).toBeVisible();
});

test("an operator takes a distributed key to ACTIVE and revokes it; each step is in its timeline", async ({ page }) => {
  await openKey(page, "dc-backup-stream", "DISTRIBUTED");
  await page.getByTestId("action-COLLECT_RECEIPTS").click();
  await expect(page.getByTestId("key-state")).toContainText("ACTIVE");
  await expect(page.getByTestId("key-material")).toContainText("sealed at rest");
  await expect(page.locator('[data-testid="timeline-entry"][data-action="KEY_ACTIVATED"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="timeline-entry"][data-action="KEY_RECEIPT_CONFIRMED"]')).toHaveCount(2);

  await page.getByTestId("action-REVOKE").click();
  await page.getByTestId("action-confirm").click(); // no reason yet: refused in the form
  await expect(page.getByTestId("key-state")).toContainText("ACTIVE");
  await page.getByTestId("reason-input").fill("operator report: suspected tap on relay-west");
  await page.getByTestId("action-confirm").click();
  await expect(page.getByTestId("key-state")).toContainText("REVOKED");
  await expect(page.getByTestId("revocation-reason")).toContainText("suspected tap on relay-west");
  await expect(page.getByTestId("key-material")).toContainText("zeroised");
  await expect(page.getByTestId("no-actions")).toBeVisible();
  const revoked = page.locator('[data-testid="timeline-entry"][data-action="KEY_REVOKED"]');
  await expect(revoked).toHaveCount(1);
  // No key material in anything the browser received: only the fingerprint.
  const html = await page.content();
  expect(html).not.toMatch(/materialCiphertext|materialNonce|receiptMac/);
});

test("a refused transition shows the engine's reason and changes nothing", async ({ page }) => {
  await openKey(page, "ministry-voice", "ROTATING");
  const version = await page.getByTestId("key-version").textContent();
  const entries = await page.getByTestId("timeline-entry").count();
  await page.getByTestId("action-COMPLETE_ROTATION").click();
  await expect(page.getByTestId("action-error")).toContainText(/replacement is DISTRIBUTED, not ACTIVE/);
  await page.reload();
  await expect(page.getByTestId("key-state")).toContainText("ROTATING");
  await expect(page.getByTestId("key-version")).toHaveText(version ?? "");
  await expect(page.getByTestId("timeline-entry")).toHaveCount(entries);
});

test("a new key is created from the form and opens GENERATED", async ({ page }) => {
  await page.goto("/keys");
  await page.getByTestId("new-key-open").click();
  await page.getByTestId("new-key-label").fill("e2e-created-key");
  await page.getByTestId("new-key-purpose").fill("Browser test key");
  await page.locator('[data-testid="new-key-participant"][data-node-id="ep-bank"]').check();
  await page.locator('[data-testid="new-key-participant"][data-node-id="ep-grid"]').check();
  await page.getByTestId("new-key-submit").click();
  await expect(page).toHaveURL(/\/keys\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("key-label")).toHaveText("e2e-created-key");
  await expect(page.getByTestId("key-state")).toContainText("GENERATED");
  await expect(page.getByTestId("key-fingerprint")).toContainText(/SHA256:[0-9a-f]{32}/);
  await expect(page.getByTestId("participant-row")).toHaveCount(2);
});

test("the audit page verifies the chain and lists entries newest first", async ({ page }) => {
  await page.goto("/audit");
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  const seqs = await rows.evaluateAll((els) => els.slice(0, 5).map((e) => Number(e.getAttribute("data-seq"))));
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  await page.getByTestId("verify-chain").click();
  await expect(page.getByTestId("verify-result")).toHaveAttribute("data-ok", "true");
  // The check itself is on the record, newest first.
  await expect(rows.first()).toContainText("Chain verified");
});
