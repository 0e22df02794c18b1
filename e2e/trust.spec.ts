/**
 * Granting a deciding role takes two administrators (issue 12, finding 3): on
 * the Admin page an administrator choosing "officer" for an analyst raises a
 * role-grant request instead of changing the role, and cannot approve it.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./auth";

test("an administrator's officer grant becomes a request another administrator must approve", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/admin");
  const row = page.locator('[data-testid="user-row"][data-email="analyst@demo.qecnet"]');
  await expect(page.getByTestId("new-user-role").locator("option")).toHaveText(["viewer", "analyst"]);
  page.once("dialog", (d) => void d.accept("Joins the night shift of the SOC"));
  await row.getByTestId("user-role-select").selectOption("officer");
  await expect(page.getByTestId("role-grant-requested")).toContainText("another administrator decides it");
  await page.reload();
  await expect(row.getByTestId("user-role-select")).toHaveValue("analyst");

  await page.goto("/approvals");
  const grant = page.locator('[data-testid="approval-row"][data-kind="ROLE_GRANT"]');
  await expect(grant).toHaveAttribute("data-status", "PENDING");
  await grant.getByTestId("approval-link").click();
  await expect(page.getByTestId("cannot-vote")).toContainText(/you cannot decide it/);
  // Leave no open request behind for the other browser tests (they share the database).
  await page.getByTestId("withdraw").click();
  await expect(page.getByTestId("request-detail")).toHaveAttribute("data-status", "WITHDRAWN");
});
