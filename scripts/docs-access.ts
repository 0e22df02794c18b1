/**
 * `npm run docs:access`: writes the README's access tables from the one access
 * table (server/domain/access/permissions.ts) and appRouter. `--check` only compares
 * and exits 1 when the README is out of date (the unit test does the same).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appRouter } from "../server/api/root";
import { renderAccessTables, withAccessTables, type ProcedureKind } from "../server/api/access-doc";

const readmePath = path.resolve(import.meta.dirname, "..", "README.md");
const kinds = Object.fromEntries(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureKind } }>).map(([p, proc]) => [p, proc._def.type]),
);
const current = readFileSync(readmePath, "utf8");
const next = withAccessTables(current, renderAccessTables(kinds));
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("README.md's access tables are out of date: run npm run docs:access");
    process.exit(1);
  }
  console.log("README.md's access tables match server/domain/access/permissions.ts");
} else if (next !== current) {
  writeFileSync(readmePath, next);
  console.log("README.md: access tables written");
} else {
  console.log("README.md: access tables already up to date");
}
