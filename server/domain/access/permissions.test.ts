/**
 * The access table is complete and exact: every procedure of appRouter has a
 * row (a new procedure without one fails here, and is refused at run time),
 * no row names a procedure that does not exist, every page route has a rule.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appRouter } from "../../api/root";
import { checkProcedure, mayOpenPage, needsStepUp, PAGE_ACCESS, pageAccess, PROCEDURE_ACCESS, rolesAllowed, SECOND_FACTOR_EXEMPT, STEP_UP_PROCEDURES } from "./permissions";
import { ROLES } from "./roles";

const ROOT = path.resolve(import.meta.dirname, "../../..");

function pageRoutes(dir = path.join(ROOT, "app"), base = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== "api") out.push(...pageRoutes(path.join(dir, e.name), `${base}/${e.name}`));
    if (e.isFile() && e.name === "page.tsx") out.push(base === "" ? "/" : base.replace(/\/\([^)]+\)/g, ""));
  }
  return out.sort();
}

describe("access table", () => {
  const procedures = Object.keys(appRouter._def.procedures).sort();

  it("lists every procedure of appRouter, and nothing else", () => {
    expect(procedures.length).toBeGreaterThan(30);
    const listed = Object.keys(PROCEDURE_ACCESS).sort();
    expect(procedures.filter((p) => !listed.includes(p)), "procedures without an access rule: add them to server/domain/access/permissions.ts").toEqual([]);
    expect(listed.filter((p) => !procedures.includes(p)), "access rules for procedures that do not exist").toEqual([]);
  });

  it("refuses a path it does not list, for every role (fail closed)", () => {
    for (const role of ROLES) expect(checkProcedure("keys.somethingNew", role)).toMatchObject({ ok: false, reason: "UNLISTED" });
  });

  it("ranks roles: each procedure admits a contiguous top of the ranking, except the officers-only votes and approval-only actions", () => {
    for (const [p, access] of Object.entries(PROCEDURE_ACCESS)) {
      const allowed = rolesAllowed(access);
      if ("min" in access) expect(allowed, p).toEqual(ROLES.slice(ROLES.indexOf(access.min)));
    }
    // Officers decide key and mesh requests, admins role grants; the approval rules refuse the other kinds per role.
    expect(rolesAllowed(PROCEDURE_ACCESS["approvals.approve"])).toEqual(["officer", "admin"]);
    expect(rolesAllowed(PROCEDURE_ACCESS["approvals.reject"])).toEqual(["officer", "admin"]);
    expect(rolesAllowed(PROCEDURE_ACCESS["users.requestRole"])).toEqual(["admin"]);
    // A key is revoked only through a two-person approval (approvals.request, kind REVOCATION): no procedure revokes directly.
    expect(procedures).not.toContain("keys.revoke");
    expect(checkProcedure("keys.revoke", "admin")).toMatchObject({ ok: false, reason: "UNLISTED" });
    expect(rolesAllowed(PROCEDURE_ACCESS["approvals.request"])).toEqual(["analyst", "officer", "admin"]);
    expect(checkProcedure("approvals.approve", "analyst")).toMatchObject({ ok: false, reason: "ROLE" });
    expect(checkProcedure("users.requestRole", "officer")).toMatchObject({ ok: false, reason: "ROLE" });
    expect(checkProcedure("approvals.request", "viewer")).toMatchObject({ ok: false, message: expect.stringMatching(/needs the analyst role or higher/) });
  });

  it("asks for a fresh second factor on votes, role grants, policy changes and grants of key access to applications, and only there", () => {
    expect(Object.keys(STEP_UP_PROCEDURES).sort()).toEqual([
      "applications.pair", "applications.register", "applications.setEnabled", "applications.update",
      "approvals.approve", "approvals.reject", "approvals.updateRule", "keys.createPolicy", "keys.deletePolicy", "keys.updatePolicy", "users.create", "users.requestRole", "users.setRole",
    ]);
    // Disabling an application only takes power away; enabling it (or odd input) steps up.
    expect(needsStepUp("applications.setEnabled", { saeId: "a", enabled: false })).toBe(false);
    expect(needsStepUp("applications.setEnabled", { saeId: "a", enabled: true })).toBe(true);
    expect(needsStepUp("applications.setEnabled", "junk")).toBe(true);
    expect(needsStepUp("applications.unpair", { a: "x", b: "y" })).toBe(false);
    for (const p of Object.keys(STEP_UP_PROCEDURES)) expect(Object.hasOwn(PROCEDURE_ACCESS, p), p).toBe(true);
    // A role change steps up unless it clearly grants no officer/admin power (fail closed on odd input).
    expect(needsStepUp("users.setRole", { userId: "u", role: "officer" })).toBe(true);
    expect(needsStepUp("users.setRole", { userId: "u", role: "admin" })).toBe(true);
    expect(needsStepUp("users.setRole", { userId: "u", role: "analyst" })).toBe(false);
    expect(needsStepUp("users.create", null)).toBe(true);
    expect(needsStepUp("keys.list", {})).toBe(false);
    // Before enrolling, an officer reaches only their own account.
    expect([...SECOND_FACTOR_EXEMPT].every((p) => p.startsWith("account."))).toBe(true);
  });

  it("has a rule for every page route", () => {
    const routes = pageRoutes();
    expect(routes).toContain("/keys/[id]");
    expect(routes.filter((r) => !Object.hasOwn(PAGE_ACCESS, r))).toEqual([]);
    expect(Object.keys(PAGE_ACCESS).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each([
    ["/sign-in", null, true],
    ["/keys", null, false],
    ["/keys", "viewer", true],
    ["/keys/0b9f0f6e-0000-4000-8000-000000000000", "viewer", true],
    ["/approvals", "viewer", false],
    ["/approvals/abc", "analyst", true],
    ["/admin", "officer", false],
    ["/admin", "admin", true],
    ["/nowhere", null, false],
    ["/nowhere", "viewer", true],
  ] as const)("page %s for %s: %s", (pathname, role, allowed) => {
    expect(mayOpenPage(pageAccess(pathname)?.access ?? null, role)).toBe(allowed);
  });
});
