/** The policy rules on their own: durations as people read them, and every reason a policy is refused. */
import { describe, expect, it } from "vitest";
import { KEY_POLICIES } from "../../keys/key-policies";
import type { KeyPolicy } from "./key-policy";
import { formatSeconds, policyProblems } from "./policy-rules";

const standard = KEY_POLICIES.standard!;

describe("formatSeconds", () => {
  it.each([
    [0, "0 s"], [45, "45 s"], [90, "90 s"], [60, "1 min"], [300, "5 min"], [3_600, "1 h"], [5_400, "1 h 30 min"],
    [86_400, "1 day"], [172_800 + 3_600, "2 days 1 h"], [63_072_000, "730 days"],
  ])("%i s reads %s", (s, text) => expect(formatSeconds(s)).toBe(text));
});

describe("policyProblems", () => {
  it("accepts every built-in policy", () => {
    for (const p of Object.values(KEY_POLICIES)) expect(policyProblems(p), p.name).toEqual([]);
  });

  it.each<[string, Partial<KeyPolicy>, RegExp]>([
    ["overlap equal to the cryptoperiod", { overlapSeconds: 3_600, cryptoperiodSeconds: 3_600 }, /^Overlap \(1 h\) must be shorter than the cryptoperiod \(1 h\)\.$/],
    ["a cryptoperiod under a minute", { cryptoperiodSeconds: 30, overlapSeconds: 0 }, /^Cryptoperiod must be at least 1 min\.$/],
    ["a cryptoperiod over two years", { cryptoperiodSeconds: 63_072_001 }, /^Cryptoperiod must be at most 730 days\.$/],
    ["a bad name", { name: "Standard Policy" }, /^The name "Standard Policy" is not valid/],
    ["an unknown signal", { autoRevokeSignals: ["NOPE" as never] }, /signal is one of QBER_ABORT, OPERATOR_REPORT, INTEGRITY_MISMATCH/],
    ["an operator's report as an automatic signal (issue 12, finding 2)", { autoRevokeSignals: ["QBER_ABORT", "OPERATOR_REPORT"] }, /^An operator's report never revokes automatically/],
    ["a retention over ten years", { retentionDays: 3_651 }, /^Retention must be at most 3650 days\.$/],
    ["eleven distribution attempts", { maxDistributionAttempts: 11 }, /^Distribution attempts must be at most 10\.$/],
    ["a key size of 300 bits", { sizeBits: 300 }, /^Key size must be 256, 384 or 512 bits\.$/],
  ])("refuses %s", (_what, change, message) => {
    const problems = policyProblems({ ...standard, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("reports every problem at once", () => {
    expect(policyProblems({ ...standard, retentionDays: -1, maxUsage: 0, overlapSeconds: 90_000, cryptoperiodSeconds: 600 })).toHaveLength(4);
  });
});
