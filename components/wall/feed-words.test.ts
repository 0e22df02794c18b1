/** The wall feed's words and severities. */
import { describe, expect, it } from "vitest";
import { feedHeadline, severityOf } from "./feed-words";

describe("feed words", () => {
  it("says what happened to what, without repeating the subject", () => {
    expect(feedHeadline("KEY_REVOKED", "key")).toBe("Key revoked");
    expect(feedHeadline("LINK_CONTAINED", "link")).toBe("Link contained");
    expect(feedHeadline("NODE_ISOLATED", "node")).toBe("Node isolated");
    expect(feedHeadline("KEY_GENERATED", "key")).toBe("Key generated");
    expect(feedHeadline("AUDIT_CHAIN_VERIFIED", "system")).toBe("Chain verified");
  });

  it("grades compromise and containment critical, failures warnings, the rest info", () => {
    expect(severityOf("LINK_QBER_ABORT")).toBe("critical");
    expect(severityOf("KEY_REVOKED")).toBe("critical");
    expect(severityOf("KEY_DISTRIBUTION_FAILED")).toBe("warning");
    expect(severityOf("KEY_ACTIVATED")).toBe("info");
  });
});
