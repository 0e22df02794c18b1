/**
 * The notifier's delivery rules with a scripted fetch: queued without waiting,
 * retried on 5xx/429/network errors with the backoff asked for, given up after
 * maxAttempts, a 4xx (but 429) not retried, and a full queue dropping notices
 * rather than growing; logs carry the notice id and status, never the body.
 */
import { describe, expect, it } from "vitest";
import type { NoticeFacts } from "./approval-notice";
import { WebhookNotifier } from "./webhook-notifier";

const AT = new Date("2030-01-02T03:04:05.000Z");
const facts: NoticeFacts = {
  type: "APPROVAL_REQUESTED",
  request: { id: "5d9d7c2e-0000-4000-8000-000000000001", kind: "REVOCATION", targetType: "key", targetId: "k-1", targetLabel: "hospital-records", requiredApprovals: 2, expiresAt: AT },
  status: "PENDING",
  actor: "user:ana@example.org",
  at: AT,
};

function scripted(answers: Array<number | "error">) {
  const calls: string[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push(String(init?.body));
    const a = answers.shift() ?? 200;
    if (a === "error") throw new TypeError("fetch failed");
    return new Response(null, { status: a });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function logs() {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return { lines, log: { warn: (obj: object, msg: string) => lines.push({ level: "warn", obj, msg }), error: (obj: object, msg: string) => lines.push({ level: "error", obj, msg }) } };
}

describe("webhook notifier", () => {
  it("retries 5xx, 429 and network errors with the backoff, then delivers once", async () => {
    const f = scripted([503, "error", 429, 200]);
    const waits: number[] = [];
    const n = new WebhookNotifier({ url: "http://hook.test/x", fetch: f.fetch, backoffMs: (a) => (waits.push(a), 1) });
    n.notify(facts);
    await n.drain();
    expect(f.calls).toHaveLength(4);
    expect(new Set(f.calls).size).toBe(1); // the same body, so the same noticeId
    expect(waits).toEqual([1, 2, 3]);
  });

  it("does not retry a 4xx other than 429, and says so", async () => {
    const f = scripted([404]);
    const l = logs();
    const n = new WebhookNotifier({ url: "http://hook.test/x", fetch: f.fetch, backoffMs: () => 1, log: l.log });
    n.notify(facts);
    await n.drain();
    expect(f.calls).toHaveLength(1);
    expect(l.lines).toEqual([{ level: "error", obj: { noticeId: expect.any(String), status: 404 }, msg: expect.stringMatching(/not retried/) }]);
  });

  it("gives up after maxAttempts; the log names the notice, never its body", async () => {
    const f = scripted([500, 500, 500, 500]);
    const l = logs();
    const n = new WebhookNotifier({ url: "http://hook.test/x", fetch: f.fetch, backoffMs: () => 1, maxAttempts: 3, log: l.log });
    n.notify(facts);
    await n.drain();
    expect(f.calls).toHaveLength(3);
    expect(l.lines.at(-1)).toMatchObject({ level: "error", obj: { status: 500, attempts: 3 }, msg: expect.stringMatching(/given up/) });
    expect(JSON.stringify(l.lines)).not.toContain("hospital-records");
  });

  it("drops notices beyond maxPending instead of growing without bound", async () => {
    const f = scripted([]);
    const l = logs();
    const n = new WebhookNotifier({ url: "http://hook.test/x", fetch: f.fetch, maxPending: 2, log: l.log });
    for (let i = 0; i < 3; i++) n.notify({ ...facts, seq: i });
    await n.drain();
    expect(f.calls).toHaveLength(2);
    expect(l.lines).toEqual([expect.objectContaining({ level: "error", msg: expect.stringMatching(/dropped/) })]);
  });
});
