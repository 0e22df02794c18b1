/**
 * Applications (ETSI 014 SAEs) on the Admin page: an SAE ID that is not a
 * certificate CN is refused with the server's message and registers nothing;
 * an administrator registers an SAE at a site, pairs it with the demo's
 * sae-bank-1, sees both in the list and the pool in the site's KME panel on the
 * mesh (empty: browser-test consoles keep the replenisher off), then disables
 * it with a reason.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./auth";

test("an admin registers an application, pairs it with sae-bank-1, sees its KME pool, and disables it with a reason", async ({ page }) => {
  // A fresh ID each run: SAEs are never deleted, and the e2e database may outlive one run.
  const saeId = `sae-e2e-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  await page.goto("/admin");
  const panel = page.getByTestId("applications-admin");
  const bank = panel.locator('[data-testid="sae-row"][data-sae-id="sae-bank-1"]');
  await expect(bank).toBeVisible();
  await expect(panel.locator('[data-testid="sae-site"][data-site="ep-bank"]')).toContainText("sae-bank-1");

  const register = panel.getByTestId("sae-register");
  await register.getByLabel("SAE ID").fill("bad sae id!");
  await register.getByLabel("Site").selectOption("ep-hospital");
  await register.getByTestId("sae-register-submit").click();
  await expect(register.getByTestId("sae-register-error")).toContainText("The SAE ID may contain only letters A-Z and a-z, digits, '.', '_', ':' and '-'");
  await expect(panel.locator('[data-testid="sae-site"][data-site="ep-hospital"]')).toHaveCount(0);

  await register.getByLabel("SAE ID").fill(saeId);
  await register.getByLabel("Description (optional)").fill("hospital records encryptor");
  await register.getByTestId("sae-register-submit").click();
  await expect(register.getByTestId("sae-register-done")).toBeVisible();
  const row = panel.locator(`[data-testid="sae-row"][data-sae-id="${saeId}"]`);
  await expect(panel.locator('[data-testid="sae-site"][data-site="ep-hospital"]')).toContainText(saeId);
  await expect(row).toContainText("hospital records encryptor");
  await expect(row.getByTestId("sae-state")).toHaveText("enabled");

  const pair = panel.getByTestId("sae-pair");
  await pair.getByLabel("First SAE").selectOption(saeId);
  await pair.getByLabel("Second SAE").selectOption("sae-bank-1");
  await pair.getByTestId("sae-pair-submit").click();
  await expect(row.locator('[data-testid="sae-partner"][data-partner="sae-bank-1"]')).toBeVisible();
  await expect(bank.locator(`[data-testid="sae-partner"][data-partner="${saeId}"]`)).toBeVisible();

  // The site's KME on the mesh: the new SAE and its pool with the bank's site (no keys: the replenisher is off here).
  await page.goto("/mesh?node=ep-hospital");
  const kme = page.getByTestId("node-kme");
  await expect(kme.locator(`[data-testid="kme-sae"][data-sae-id="${saeId}"]`)).toBeVisible();
  const pool = kme.locator('[data-testid="kme-pool"][data-sites="ep-bank~ep-hospital"]');
  await expect(pool).toBeVisible();
  await expect(pool.getByTestId("kme-pool-available")).toHaveText("0");
  await expect(kme.getByTestId("kme-refusals-hour")).toHaveText("0");

  await page.goto("/admin");
  await row.getByRole("button", { name: `Disable ${saeId}` }).click();
  const disable = panel.getByTestId("sae-disable");
  await expect(disable.getByTestId("sae-disable-submit")).toBeDisabled();
  await disable.getByLabel("Reason (for the audit log)").fill("pilot finished");
  await disable.getByTestId("sae-disable-submit").click();
  await expect(panel.getByTestId("sae-disable")).toHaveCount(0);
  await expect(row).toHaveAttribute("data-enabled", "false");
  await expect(row.getByTestId("sae-state")).toHaveText("disabled");
  await expect(row.getByRole("button", { name: `Enable ${saeId}` })).toBeVisible();
});
