/** The hello reconciliation plan, case by case: what goes back to purge, what is lost, what mismatches. */
import { describe, expect, it } from "vitest";
import { planReconcile, type Holding } from "./inventory-reconcile";

const h = (keyId: string, over: Partial<Holding> = {}): Holding => ({ keyId, fingerprint: `SHA256:${keyId}`, state: "ACTIVE", confirmed: true, purgeRequested: false, purged: false, ...over });
const held = (keyId: string, fingerprint = `SHA256:${keyId}`) => ({ keyId, fingerprint });

describe("planReconcile", () => {
  it("a held copy that matches is left alone", () => {
    expect(planReconcile([h("k1")], [held("k1")])).toEqual({ purge: [], lost: [], mismatched: [] });
  });

  it.each<[string, Holding[]]>([
    ["the hub never sent it", []],
    ["its purge was requested", [h("k1", { purgeRequested: true, state: "DESTROYED" })]],
    ["its purge was already confirmed", [h("k1", { purged: true, purgeRequested: true })]],
  ])("a held key goes back in purge when %s", (_name, holdings) => {
    expect(planReconcile(holdings, [held("k1")]).purge).toEqual(["k1"]);
  });

  it("a different fingerprint, or a record the agent could not open, is a mismatch for live keys only", () => {
    const holdings = [h("k1"), h("k2", { state: "ROTATING" }), h("k3", { state: "DISTRIBUTING", confirmed: false })];
    expect(planReconcile(holdings, [held("k1", "SHA256:other"), held("k2", "corrupt"), held("k3", "corrupt")]).mismatched).toEqual(["k1", "k2"]);
  });

  it("a confirmed copy of a live key that is missing is lost; unconfirmed, ended or purged ones are not", () => {
    const holdings = [h("k1"), h("k2", { state: "ROTATING" }), h("k3", { confirmed: false, state: "DISTRIBUTING" }), h("k4", { state: "DESTROYED", purgeRequested: true }), h("k5", { purged: true, purgeRequested: true })];
    expect(planReconcile(holdings, []).lost).toEqual(["k1", "k2"]);
  });
});
