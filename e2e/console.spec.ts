/**
 * The console in Chromium against `next start` on a freshly seeded demo
 * database (scripts/e2e-server.ts): navigation, the mesh, the keys page with
 * its filters and search, a key's lifecycle driven through the UI, creating a
 * key, and the audit page's chain verification. Signed in as a security
 * officer (who runs routine key operations); approvals are in approvals.spec.ts.
 */
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./auth";

test.beforeEach(async ({ page }) => {
  await signIn(page, "officer1");
});

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
  await expect(page.getByTestId("approvals-open")).toBeVisible();
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

test("an officer takes a distributed key to ACTIVE; each step is in its timeline; revocation is only offered as a request", async ({ page }) => {
  await openKey(page, "dc-backup-stream", "DISTRIBUTED");
  await page.getByTestId("action-COLLECT_RECEIPTS").click();
  await expect(page.getByTestId("key-state")).toContainText("ACTIVE");
  await expect(page.getByTestId("key-material")).toContainText("sealed at rest");
  await expect(page.locator('[data-testid="timeline-entry"][data-action="KEY_ACTIVATED"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="timeline-entry"][data-action="KEY_RECEIPT_CONFIRMED"]')).toHaveCount(2);

  // Compromise actions need officers' approval: no direct button, a request instead.
  await expect(page.getByTestId("action-REVOKE")).toHaveCount(0);
  await expect(page.getByTestId("request-REVOCATION")).toBeVisible();
  await expect(page.getByTestId("request-EMERGENCY_ROTATION")).toBeVisible();
  const activated = page.locator('[data-testid="timeline-entry"][data-action="KEY_ACTIVATED"]');
  await expect(activated).toContainText("officer1@demo.qecnet");
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
  // The visible one: a hidden copy of the Keys page's content can be in the DOM too (seen in CI: two buttons, one shown).
  await page.getByTestId("new-key-open").filter({ visible: true }).click();
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
  await expect(page.getByTestId("verify-thread-problem"), "the verifier's worker thread started").toHaveCount(0);
  // The check itself is on the record, among the newest entries (the simulation may append after it).
  await expect(page.locator('[data-testid="audit-row"][data-action="AUDIT_CHAIN_VERIFIED"]').first()).toContainText("Chain verified");
});
