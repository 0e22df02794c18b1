/**
 * The scripted demo scenario in Chromium against `next start` on a freshly
 * seeded demo (scripts/e2e-server.ts), as a demo visitor (viewer): start the
 * eavesdropper on the backbone link, watch the simulation push its QBER past
 * the abort threshold, the incident open, the link contained and highlighted
 * on the mesh, the keys that crossed it revoked and replaced, integrity
 * verified with its time; then end the scenario and get the link back.
 * What is expected comes from the API (the keys whose routes crossed the link),
 * never hard-coded. Runs after the other specs: it changes keys.
 */
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signIn } from "./auth";
import { expectLayoutAtEverySize } from "./page-layout";
import type { IncidentDetailView } from "../server/recovery/incident-views";

async function query<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await request.get(`/api/trpc/${path}${q}`);
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true);
  return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
}

test("a demo visitor runs the eavesdropper scenario and watches detection, containment and recovery", async ({ page }) => {
  test.setTimeout(150_000);
  await signIn(page, "viewer");
  await page.goto("/incidents");
  await expect(page.getByTestId("incidents-open-empty")).toBeVisible();
  await expect(page.getByTestId("report-compromise")).toHaveCount(0); // reporting is for SOC analysts and up

  await page.getByTestId("demo-start").click();
  await expect(page.getByTestId("demo-running")).toBeVisible();

  // The simulation raises the QBER; past 11% the hub opens an incident and recovers by itself.
  const incidentLink = page.getByTestId("demo-incident-link");
  await expect(incidentLink).toBeVisible({ timeout: 60_000 });
  await incidentLink.click();
  const detail = page.getByTestId("incident-detail");
  await expect(detail).toBeVisible();
  await expect(detail).toHaveAttribute("data-status", "RESOLVED", { timeout: 60_000 });

  const id = (await detail.getAttribute("data-incident-id"))!;
  const incident = await query<IncidentDetailView>(page.request, "incidents.get", { id });
  expect(incident.signal).toBe("QBER_ABORT");
  expect(incident.targetType).toBe("link");
  expect(incident.simulated).toBe(true);
  expect(incident.untouchedViolations).toBe(0);
  expect(incident.timeToIntegrityMs).not.toBeNull();
  // The demo seed distributes keys over the hub's backbone: some crossed this link.
  expect(incident.keys.length).toBeGreaterThan(0);
  for (const k of incident.keys) {
    expect(k.stateNow, `${k.label} must not stay usable`).not.toMatch(/^(ACTIVE|ROTATING|DISTRIBUTED)$/);
    if (k.replacementId && !k.waitingForNode) expect(k.replacementState, `${k.label}'s replacement`).toBe("ACTIVE");
  }

  // The page says it in words: every step on the timeline, the time to integrity, the keys one by one.
  const steps = page.getByTestId("timeline-step");
  for (const step of ["DETECTED", "CONTAINED", "REVOKED", "VERIFIED"]) {
    await expect(steps.and(page.locator(`[data-step="${step}"]`))).toHaveCount(1);
  }
  await expect(page.getByTestId("incident-time-to-integrity")).not.toHaveText(/in progress/);
  await expect(page.getByTestId("blast-key")).toHaveCount(incident.keys.length);
  await expect(page.getByTestId("incident-untouched")).toContainText("none");
  // Each revoked key's holders confirmed their purge (issue 12, finding 8), shown per holder.
  await expect(async () => {
    await page.reload();
    const statuses = await page.getByTestId("blast-key-purge").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((x) => x === "confirmed")).toBe(true);
  }).toPass({ timeout: 15_000 });

  // The resolved incident's page (timeline and blast radius: the longest page) at the three screen sizes.
  await expectLayoutAtEverySize(page, "/incidents/[id]", `/incidents/${id}`, '[data-testid="incident-detail"]');
  await page.setViewportSize({ width: 1600, height: 1000 });

  // The mesh rings the contained link while the incident is recent, and says what happened above the graph.
  await page.goto("/mesh");
  await expect(page.getByTestId("incident-banner")).toContainText(`${incident.reference}: link`);
  await expect(page.getByTestId("incident-banner")).toContainText("integrity restored in");
  await expect(page.locator(`[data-testid="mesh-edge"][data-link-id="${incident.targetId}"]`)).toHaveAttribute("data-incident", "true");
  await expect(page.locator(`[data-testid="mesh-edge"][data-link-id="${incident.targetId}"]`)).toHaveAttribute("data-status", "DOWN");

  // Ending the scenario clears the eavesdropper and brings the link back.
  await page.goto("/incidents");
  await page.getByTestId("demo-end").click();
  await expect(page.getByTestId("demo-start")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("incidents-closed-table").locator(`[data-incident-id="${id}"]`)).toHaveAttribute("data-status", "RESOLVED");
});
