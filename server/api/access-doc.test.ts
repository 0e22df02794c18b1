/**
 * The README's access tables are what permissions.ts enforces: this fails when
 * someone changes a rule (or adds a procedure or route) without running
 * `npm run docs:access`, and when the tables leave out a procedure or route.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appRouter } from "./root";
import { BEGIN_MARKER, END_MARKER, renderAccessTables, withAccessTables, type ProcedureKind } from "./access-doc";
import { PROCEDURE_ACCESS, ROUTE_ACCESS } from "../domain/access/permissions";

const README = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
const kinds = Object.fromEntries(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureKind } }>).map(([p, proc]) => [p, proc._def.type]),
);

describe("README access tables", () => {
  it("are generated from the access table and up to date (run npm run docs:access)", () => {
    expect(withAccessTables(README, renderAccessTables(kinds))).toBe(README);
  });

  it("list every procedure and every route, with every mutation in the mutations table", () => {
    const section = README.slice(README.indexOf(BEGIN_MARKER), README.indexOf(END_MARKER));
    for (const p of Object.keys(PROCEDURE_ACCESS)) expect(section).toContain(`| \`${p}\``);
    for (const r of Object.keys(ROUTE_ACCESS)) expect(section).toContain(`| \`${r}\``);
    const mutations = section.slice(section.indexOf("| mutation |"), section.indexOf("| query / subscription |"));
    for (const [p, k] of Object.entries(kinds)) if (k === "mutation") expect(mutations).toContain(`| \`${p}\``);
  });

  it("say who may call a demo power and a vote limited to deciding roles, and list no direct revocation", () => {
    const tables = renderAccessTables(kinds);
    expect(tables).toMatch(/\| `mesh\.setEavesdropper` \| analyst, officer, admin; \*\*demonstration console only\*\*/);
    expect(tables).toMatch(/\| `approvals\.approve` \| officer, admin \(only: /);
    expect(tables).not.toMatch(/keys\.revoke/);
    expect(tables).toMatch(/\| `\/api\/metrics` \| only `Authorization: Bearer \$QECNET_METRICS_TOKEN`/);
  });
});
