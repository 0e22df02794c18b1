/** Domain errors are recognised across copies of their module (Next.js bundles a module once per route). */
import { describe, expect, it, vi } from "vitest";

describe("DomainError across module copies", () => {
  it("instanceof DomainError holds for an error from another copy; subclass checks stay exact", async () => {
    const a = await import("./domain-error");
    vi.resetModules();
    const b = await import("./domain-error");
    const refused = await import("../lifecycle/transition-refused");
    expect(a.DomainError).not.toBe(b.DomainError);
    expect(new a.DomainError("KEY_NOT_FOUND", "x")).toBeInstanceOf(b.DomainError);
    expect(new Error("plain")).not.toBeInstanceOf(b.DomainError);
    expect({ code: "KEY_NOT_FOUND" }).not.toBeInstanceOf(b.DomainError);
    expect(new a.DomainError("KEY_NOT_FOUND", "x")).not.toBeInstanceOf(refused.TransitionRefusedError);
    expect(new refused.TransitionRefusedError("ACTIVE", "DESTROY", null, "no")).toBeInstanceOf(a.DomainError);
  });
});
