/**
 * The layers are enforced, not remembered: ESLint's no-restricted-imports
 * zones (eslint.config.mjs) refuse an import that runs back up — the wiring
 * (server/runtime/) from a lower folder, keys and mesh importing each other,
 * the audit layer importing the domains or the write path — and let the
 * allowed directions through.
 */
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const eslint = new ESLint({ cwd: root });

async function zoneViolations(importPath: string, file: string): Promise<string[]> {
  const code = `import { x } from "${importPath}";\nexport const y = x;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("lint: layer zones", () => {
  it.each([
    ["the wiring, from a process", "../runtime/services", "server/recovery/new-duty.ts", /server\/runtime\/ is the wiring/],
    ["the wiring, from a background loop", "../../runtime/services", "server/audit/checkpoint/new-loop.ts", /server\/runtime\/ is the wiring/],
    ["the mesh, from keys", "../mesh/mesh-workspace", "server/keys/new-file.ts", /Keys and the mesh do not import each other/],
    ["keys, from the mesh", "../../keys/key-service", "server/mesh/operations/new-file.ts", /Keys and the mesh do not import each other/],
    ["keys, from audit", "../keys/key-service", "server/audit/new-file.ts", /must not import keys\/, mesh\/ or commit\//],
    ["the write path, from audit", "../commit/transition-runner", "server/audit/new-file.ts", /must not import keys\/, mesh\/ or commit\//],
  ])("refuses %s", async (_name, importPath, file, message) => {
    const found = await zoneViolations(importPath, file);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  }, 30_000);

  it.each([
    ["the write path, from keys", "../commit/transition-runner", "server/keys/new-file.ts"],
    ["the write path, from the mesh", "../commit/batch-part", "server/mesh/new-file.ts"],
    ["keys and the mesh, from distribution", "../mesh/mesh-batch", "server/distribution/new-file.ts"],
    ["the wiring, from the tRPC layer", "../runtime/services", "server/api/new-file.ts"],
    ["the wiring, from an app route", "@/server/runtime/services", "app/api/new/route.ts"],
  ])("lets through %s", async (_name, importPath, file) => {
    expect(await zoneViolations(importPath, file)).toEqual([]);
  }, 30_000);
});
