/** The add-link form refuses what the server refuses, with the server's own sentences, and sends the detector error as a fraction. */
import { describe, expect, it } from "vitest";
import { ZAddLinkInput } from "@/server/domain/mesh/mesh-inputs";
import { validateAddLink, type AddLinkDraft } from "./add-link-validation";

const ok: AddLinkDraft = { aNodeId: "relay-west", bNodeId: "ep-bank", lengthKm: "42.5", detectorErrorPercent: "2.5", reason: "" };

function serverMessages(input: unknown): Record<string, string> {
  const r = ZAddLinkInput.safeParse(input);
  if (r.success) return {};
  return Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
}

/** Same words, whatever the capital and the full stop. */
const sentence = (s: string | undefined) => (s ?? "").toLowerCase().replace(/\.$/, "");

describe("validateAddLink", () => {
  it("turns a good draft into the server's input", () => {
    const { values, problems } = validateAddLink(ok);
    expect(problems).toEqual({});
    expect(values).toEqual({ aNodeId: "relay-west", bNodeId: "ep-bank", lengthKm: 42.5, detectorErrorRate: 0.025 });
    expect(ZAddLinkInput.safeParse(values).success).toBe(true);
  });

  it.each([
    ["the same node twice", { bNodeId: "relay-west" }, { lengthKm: 42.5, detectorErrorRate: 0.025, bNodeId: "relay-west" }, "bNodeId"],
    ["a fibre too short", { lengthKm: "0.05" }, { lengthKm: 0.05, detectorErrorRate: 0.025 }, "lengthKm"],
    ["a fibre too long", { lengthKm: "401" }, { lengthKm: 401, detectorErrorRate: 0.025 }, "lengthKm"],
    ["a negative detector error", { detectorErrorPercent: "-1" }, { lengthKm: 42.5, detectorErrorRate: -0.01 }, "detectorErrorRate"],
    ["a detector error above the abort threshold", { detectorErrorPercent: "11.5" }, { lengthKm: 42.5, detectorErrorRate: 0.115 }, "detectorErrorRate"],
    ["a two-letter reason", { reason: "ok" }, { lengthKm: 42.5, detectorErrorRate: 0.025, reason: "ok" }, "reason"],
  ] as const)("refuses %s with the server's message", (_, change, serverInput, field) => {
    const { values, problems } = validateAddLink({ ...ok, ...change });
    expect(values).toBeNull();
    const server = serverMessages({ aNodeId: "relay-west", bNodeId: "ep-bank", ...serverInput });
    expect(server[field]).toBeDefined();
    expect(sentence(problems[field])).toBe(sentence(server[field]));
  });

  it("asks for both nodes and a length", () => {
    const { problems } = validateAddLink({ ...ok, aNodeId: "", bNodeId: "", lengthKm: "" });
    expect(Object.keys(problems).sort()).toEqual(["aNodeId", "bNodeId", "lengthKm"]);
  });
});
