/** DomainError is recognised by brand, so a copy of the class from another bundle (Next.js route) still matches. */
import { describe, expect, it, vi } from "vitest";
import { DomainError } from "./domain-error";
import type * as DomainErrorModule from "./domain-error";

describe("DomainError instanceof", () => {
  it("matches errors made by another copy of the module, and nothing else", async () => {
    vi.resetModules();
    const other = (await import("./domain-error?copy" as string)) as typeof DomainErrorModule;
    expect(other.DomainError).not.toBe(DomainError);
    const foreign = new other.DomainError("INVALID_INPUT", "from another bundle");
    expect(foreign instanceof DomainError).toBe(true);
    expect(new Error("plain") instanceof DomainError).toBe(false);
    expect({ code: "INVALID_INPUT" } instanceof DomainError).toBe(false);
  });

  it("subclasses keep the ordinary prototype check", () => {
    class Special extends DomainError {}
    expect(new Special("INVALID_INPUT", "x") instanceof Special).toBe(true);
    expect(new DomainError("INVALID_INPUT", "x") instanceof Special).toBe(false);
    expect(new Special("INVALID_INPUT", "x") instanceof DomainError).toBe(true);
  });
});
