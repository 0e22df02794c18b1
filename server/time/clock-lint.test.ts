/**
 * The one-clock rule is enforced, not remembered: ESLint refuses a direct read
 * of wall time in server code (and route handlers), and lets the clock module,
 * durations (performance.now) and explicit dates through.
 */
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const eslint = new ESLint({ cwd: root });

async function clockViolations(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.message);
}

describe("lint: one clock", () => {
  it.each([
    ["Date.now()", "export const t = Date.now();\n"],
    ["new Date()", "export const t = new Date();\n"],
    ["Date()", "export const t = Date();\n"],
  ])("refuses %s in server/", async (_name, code) => {
    const found = await clockViolations(code, "server/recovery/new-duty.ts");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/injected clock/);
  }, 30_000);

  it("refuses it in an API route handler too", async () => {
    expect(await clockViolations("export const t = Date.now();\n", "app/api/health/new-route.ts")).toHaveLength(1);
  }, 30_000);

  it("lets the clock module, durations and explicit dates through", async () => {
    expect(await clockViolations("export const t = performance.now();\nexport const d = new Date(0);\nexport const e = new Date(\"2030-01-01\");\n", "server/audit/x.ts")).toEqual([]);
    expect(await clockViolations(await import("node:fs/promises").then((fs) => fs.readFile(path.join(root, "server/time/clock.ts"), "utf8")), "server/time/clock.ts")).toEqual([]);
  }, 30_000);
});
