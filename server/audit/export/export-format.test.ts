/** CSV for people: one row per entry, quoting where needed, and no cell a spreadsheet would run as a formula. */
import { describe, expect, it } from "vitest";
import { chainEntries, GENESIS_HASH } from "../entry-hash";
import { exportCsv } from "./export-format";

async function csv(actor: string, details: Record<string, string> = {}): Promise<string[]> {
  const entries = chainEntries(GENESIS_HASH, 1n, [{ at: new Date("2026-01-01T00:00:00.000Z"), actor, action: "KEY_GENERATED", subjectType: "key", subjectId: "k-1", fromState: null, toState: "GENERATED", details }]);
  let out = "";
  for await (const chunk of exportCsv((async function* () { yield entries; })())) out += chunk;
  return out.split("\r\n").filter(Boolean);
}

describe("CSV export", () => {
  it("has a header and one row per entry, empty cells for null", async () => {
    const [header, row] = await csv("ops-1");
    expect(header).toBe("seq,at,actor,action,subject_type,subject_id,from_state,to_state,details,prev_hash,entry_hash");
    expect(row).toMatch(/^1,2026-01-01T00:00:00\.000Z,ops-1,KEY_GENERATED,key,k-1,,GENERATED,\{\},0{64},[0-9a-f]{64}$/);
  });
  it.each([
    ["a comma and quotes", 'a,"b"', '"a,""b"""'],
    ["a leading =", "=HYPERLINK(\"x\")", `"'=HYPERLINK(""x"")"`],
    ["a leading +", "+1", `"'+1"`],
    ["a leading @", "@sum", `"'@sum"`],
  ])("quotes %s", async (_l, actor, cell) => {
    const [, row] = await csv(actor);
    expect(row!.split(",2026-01-01T00:00:00.000Z,")[1]!.startsWith(`${cell},`)).toBe(true);
  });
  it("writes details as canonical JSON in one quoted cell", async () => {
    const [, row] = await csv("ops", { reason: "x, y", b: "1" });
    expect(row).toContain('"{""b"":""1"",""reason"":""x, y""}"');
  });
});
