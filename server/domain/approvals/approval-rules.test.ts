/** The approval rules, pure: self-approval, duplicate votes, expiry, rejection, quorum, fail-closed rules. */
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { decideVote, quorumOf, requireValidRule, voteEligibility, type ApprovalRuleRow, type RequestFacts, type Voter } from "./approval-rules";

const NOW = new Date("2026-11-29T12:00:00Z");
const RULE: ApprovalRuleRow = { kind: "REVOCATION", minApprovals: 2, ttlMinutes: 240 };
const officer = (id: string): Voter => ({ id, email: `${id}@x`, role: "officer" });
const req = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  id: "r1", kind: "REVOCATION", status: "PENDING", requestedById: "analyst-1", requiredApprovals: 2,
  expiresAt: new Date(NOW.getTime() + 60_000), votes: [], ...over,
});

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error("expected a refusal");
}

describe("approval rules", () => {
  it("records a first approval and executes on the M-th distinct one", () => {
    expect(decideVote(req(), RULE, officer("o1"), "APPROVE", NOW)).toEqual({ type: "RECORDED", approvals: 1, needed: 2 });
    const one = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "officer", controllers: ["o1"] }] });
    expect(decideVote(one, RULE, officer("o2"), "APPROVE", NOW)).toEqual({ type: "QUORUM", approvals: 2, needed: 2 });
    expect(decideVote(req({ requiredApprovals: 1 }), { ...RULE, minApprovals: 1 }, officer("o1"), "APPROVE", NOW)).toMatchObject({ type: "QUORUM" });
  });

  it("refuses self-approval, also by an officer who raised it", () => {
    const e = refusal(() => decideVote(req({ requestedById: "o1" }), RULE, officer("o1"), "APPROVE", NOW));
    expect(e.code).toBe("NOT_PERMITTED");
    expect(e.message).toMatch(/you cannot decide it/);
    // ...and their own rejection too: deciding is for others.
    expect(refusal(() => decideVote(req({ requestedById: "o1" }), RULE, officer("o1"), "REJECT", NOW)).code).toBe("NOT_PERMITTED");
  });

  it("refuses a second vote by the same officer (approve twice, or approve then reject)", () => {
    const voted = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "officer", controllers: ["o1"] }] });
    expect(refusal(() => decideVote(voted, RULE, officer("o1"), "APPROVE", NOW)).code).toBe("DUPLICATE_VOTE");
    expect(refusal(() => decideVote(voted, RULE, officer("o1"), "REJECT", NOW)).message).toMatch(/already approved/);
  });

  it("refuses votes by anyone but an officer (admins do not vote)", () => {
    for (const role of ["viewer", "analyst", "admin"] as const) {
      expect(refusal(() => decideVote(req(), RULE, { id: "u", email: "u@x", role }, "APPROVE", NOW)).code).toBe("NOT_PERMITTED");
    }
  });

  it("refuses any vote at or after expiry", () => {
    const e = refusal(() => decideVote(req({ expiresAt: NOW }), RULE, officer("o1"), "APPROVE", NOW));
    expect(e).toMatchObject({ code: "APPROVAL_CLOSED", details: { status: "EXPIRED" } });
    expect(e.message).toMatch(/expired at 2026-11-29T12:00:00.000Z/);
  });

  it.each(["REJECTED", "EXECUTED", "EXECUTING", "FAILED", "EXPIRED", "WITHDRAWN"] as const)("refuses a vote on a %s request", (status) => {
    const e = refusal(() => decideVote(req({ status }), RULE, officer("o1"), "APPROVE", NOW));
    expect(e.code).toBe("APPROVAL_CLOSED");
    expect(e.message).toMatch(/is closed/);
  });

  it("a single rejection decides", () => {
    const one = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "officer", controllers: ["o1"] }] });
    expect(decideVote(one, RULE, officer("o2"), "REJECT", NOW)).toEqual({ type: "REJECTED" });
  });

  it("fails closed: a missing rule, or one with 0, negative or fractional approvals, refuses approval", () => {
    for (const rule of [null, undefined, { ...RULE, minApprovals: 0 }, { ...RULE, minApprovals: -1 }, { ...RULE, minApprovals: 1.5 }, { ...RULE, minApprovals: Number.NaN }]) {
      const e = refusal(() => decideVote(req({ requiredApprovals: 1 }), rule, officer("o1"), "APPROVE", NOW));
      expect(e.code, JSON.stringify(rule)).toBe("APPROVAL_RULE_INVALID");
      expect(() => requireValidRule("REVOCATION", rule)).toThrow(DomainError);
    }
    expect(refusal(() => requireValidRule("REVOCATION", { ...RULE, ttlMinutes: 0 })).message).toMatch(/time to live/);
  });

  it("lowering a rule never weakens a pending request; raising it applies at once", () => {
    expect(quorumOf(req({ requiredApprovals: 2 }), { ...RULE, minApprovals: 1 })).toBe(2);
    expect(quorumOf(req({ requiredApprovals: 1 }), { ...RULE, minApprovals: 3 })).toBe(3);
    const one = req({ requiredApprovals: 2, votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "officer", controllers: ["o1"] }] });
    expect(decideVote(one, { ...RULE, minApprovals: 3 }, officer("o2"), "APPROVE", NOW)).toEqual({ type: "RECORDED", approvals: 2, needed: 3 });
  });

  it("counts a vote only while its voter is still an officer (issue 12, finding 4)", () => {
    const demoted = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "viewer", controllers: ["o1"] }] });
    expect(decideVote(demoted, RULE, officer("o2"), "APPROVE", NOW)).toEqual({ type: "RECORDED", approvals: 1, needed: 2 });
    const disabled = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: null, controllers: ["o1"] }] });
    expect(decideVote(disabled, RULE, officer("o2"), "APPROVE", NOW)).toMatchObject({ type: "RECORDED", approvals: 1 });
  });

  it("refuses the vote of an account the requester created or promoted, and counts one person's accounts once (finding 3)", () => {
    const made = (id: string, by: string): Voter => ({ ...officer(id), controllers: [id, by] });
    const byAdmin = req({ requestedById: "adm", requesterControllers: ["adm"] });
    expect(refusal(() => decideVote(byAdmin, RULE, made("o1", "adm"), "APPROVE", NOW)).message).toMatch(/created or given its role by the requester/);
    // The requester's own account was made by the same person as the voter's.
    const byPuppet = req({ requestedById: "p1", requesterControllers: ["p1", "adm"] });
    expect(refusal(() => decideVote(byPuppet, RULE, made("o1", "adm"), "APPROVE", NOW)).code).toBe("NOT_PERMITTED");
    // Two accounts of one maker count once.
    const one = req({ votes: [{ voterId: "o1", voter: "user:o1", decision: "APPROVE", voterRole: "officer", controllers: ["o1", "adm"] }] });
    expect(refusal(() => decideVote(one, RULE, made("o2", "adm"), "APPROVE", NOW)).message).toMatch(/count as one vote/);
    expect(decideVote(one, RULE, made("o3", "other"), "APPROVE", NOW)).toMatchObject({ type: "QUORUM", approvals: 2 });
  });

  it("role grants are decided by administrators, not officers", () => {
    const grant = req({ kind: "ROLE_GRANT", requestedById: "adm1", requesterControllers: ["adm1"], requiredApprovals: 1 });
    const rule = { kind: "ROLE_GRANT", minApprovals: 1, ttlMinutes: 240 };
    expect(decideVote(grant, rule, { id: "adm2", email: "a2@x", role: "admin", controllers: ["adm2"] }, "APPROVE", NOW)).toMatchObject({ type: "QUORUM" });
    expect(refusal(() => decideVote(grant, rule, officer("o1"), "APPROVE", NOW)).message).toMatch(/Only administrators/);
    expect(refusal(() => decideVote(grant, rule, { id: "adm1", email: "a1@x", role: "admin" }, "APPROVE", NOW)).message).toMatch(/you cannot decide it/);
  });

  it("tells the console whether a user can vote, and why not", () => {
    expect(voteEligibility(req(), RULE, officer("o1"), NOW)).toEqual({ canVote: true, reason: null });
    expect(voteEligibility(req(), RULE, { id: "a", email: "a@x", role: "analyst" }, NOW)).toMatchObject({ canVote: false, reason: expect.stringMatching(/Only security officers/) });
  });
});
