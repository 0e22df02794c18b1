/**
 * The approval kinds are registered in one explicit call from the wiring;
 * the registry refuses a kind registered twice with different definitions,
 * or listed twice, so two modules can never silently replace each other's kind.
 */
import { describe, expect, it } from "vitest";
import { approvalKind, registerApprovalKinds, type ApprovalKindSpec } from "./approval-kinds";

function spec(kind: string, label = "Test kind"): ApprovalKindSpec {
  return {
    kind, label, requestLabel: "Request test", targetType: "key", description: "a kind for this test",
    computeImpact: () => Promise.reject(new Error("not used")),
    keyIds: () => [],
    check: () => undefined,
    execute: () => ({ status: "EXECUTED", outcome: {} }),
  };
}

describe("registerApprovalKinds", () => {
  it("registers the kinds it is given; the same definitions again change nothing", () => {
    const a = spec("TEST_KIND_A");
    registerApprovalKinds([a]);
    registerApprovalKinds([a]);
    expect(approvalKind("TEST_KIND_A")).toBe(a);
  });

  it("refuses a kind registered twice with another definition, and keeps the first", () => {
    const first = spec("TEST_KIND_B", "first");
    registerApprovalKinds([first]);
    expect(() => registerApprovalKinds([spec("TEST_KIND_B", "second")])).toThrow(/TEST_KIND_B is already registered/);
    expect(approvalKind("TEST_KIND_B")).toBe(first);
  });

  it("refuses a kind listed twice in one call, registering none of the call's kinds", () => {
    expect(() => registerApprovalKinds([spec("TEST_KIND_C"), spec("TEST_KIND_D"), spec("TEST_KIND_C")])).toThrow(/TEST_KIND_C is listed twice/);
    expect(() => approvalKind("TEST_KIND_D")).toThrow(/Unknown kind of request "TEST_KIND_D"/);
  });
});
