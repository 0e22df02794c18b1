/**
 * Approvers are told outside the console: against a real local HTTP receiver,
 * every new request, vote and expiry arrives as a signed JSON notice with no
 * free text and nothing about key material; a receiver that fails is retried
 * with backoff (same noticeId), one that hangs never holds up the request.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SessionUser } from "../domain/access/session-user";
import { poolOf } from "../db/client";
import type { KeyService } from "../keys/key-service";
import { callerAs, createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { ACTOR, createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import type { ApprovalNotice } from "./approval-notice";
import { SIGNATURE_HEADER, WebhookNotifier } from "./webhook-notifier";

const SECRET = "s".repeat(40);

interface Received { notice: ApprovalNotice; signature: string | undefined; raw: string }

describe("approval webhook", () => {
  let t: TestDatabase;
  let keys: KeyService;
  let users: Record<TestUserName, SessionUser>;
  let server: Server;
  let url = "";
  const received: Received[] = [];
  /** What the receiver answers next (a status, or "hang"); then 200. */
  const script: Array<number | "hang"> = [];
  const hanging: ServerResponse[] = [];
  let notifier: WebhookNotifier;
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who]);

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      req.on("end", () => {
        received.push({ notice: JSON.parse(raw) as ApprovalNotice, signature: req.headers[SIGNATURE_HEADER] as string | undefined, raw });
        const next = script.shift() ?? 200;
        if (next === "hang") return void hanging.push(res);
        res.writeHead(next).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    t = await createTestDatabase(inject("adminUrl"), "webhook");
    await createNodes(t.db);
    notifier = new WebhookNotifier({ url, secret: SECRET, publicUrl: "https://console.example", backoffMs: () => 20, timeoutMs: 300 });
    keys = testKeyService(t.db, { notifier });
    users = await createTestUsers(t.db, keys, "hook");
  });
  afterAll(async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.dispose();
  });

  async function activeKey(label: string) {
    const k = await keys.create({ label, purpose: "webhook test", policy: "standard", participants: ["node-a", "node-b"] }, ACTOR);
    return (await keys.distributor!.distribute(k.id, ACTOR)).finalKey;
  }
  const noticesFor = (requestId: string) => received.filter((r) => r.notice.requestId === requestId);

  it("a new request is told, signed, with the link and no free text or material", async () => {
    const k = await activeKey("hook-request");
    const justification = "QBER alarm on the link to node-b, ticket 4711";
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification });
    await notifier.drain();
    const [got] = noticesFor(r.id);
    expect(got?.notice).toMatchObject({
      schema: "qecnet.approval-notice/1", type: "APPROVAL_REQUESTED", requestId: r.id, kind: "EMERGENCY_ROTATION", targetType: "key", targetId: k.id,
      status: "PENDING", actor: `user:${users.analyst.email}`, decision: null, link: `https://console.example/approvals/${r.id}`,
    });
    expect(got?.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(got!.raw).digest("hex")}`);
    expect(Object.keys(got!.notice).sort()).toEqual(["actor", "at", "decision", "expiresAt", "kind", "link", "noticeId", "requestId", "requiredApprovals", "schema", "status", "targetId", "targetLabel", "targetType", "type"]);
    expect(got!.raw).not.toContain("ticket 4711");
    const { rows } = await poolOf(t.db).query<{ hex: string | null }>("SELECT encode(material_ciphertext, 'hex') AS hex FROM keys WHERE id = $1", [k.id]);
    if (rows[0]?.hex) expect(got!.raw).not.toContain(rows[0].hex);
    expect(got!.raw).not.toMatch(/material|ciphertext|nonce/i);
  });

  it("a vote is told with its decision; a failing receiver is retried with backoff under the same noticeId", async () => {
    const k = await activeKey("hook-vote");
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "suspected tap on hub-1" });
    await notifier.drain();
    script.push(503, 500);
    await as("officer").approvals.reject({ id: r.id, comment: "false alarm, checked with the NOC" });
    await notifier.drain();
    const votes = noticesFor(r.id).filter((x) => x.notice.type === "APPROVAL_VOTED");
    expect(votes).toHaveLength(3); // 503, 500, then delivered
    expect(new Set(votes.map((v) => v.notice.noticeId)).size).toBe(1);
    expect(votes[2]!.notice).toMatchObject({ decision: "REJECT", status: "REJECTED", actor: `user:${users.officer.email}` });
    expect(votes[2]!.raw).not.toContain("false alarm");
  });

  it("an expiry is told", async () => {
    const k = await activeKey("hook-expiry");
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "rotate before the audit window" });
    await poolOf(t.db).query("UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1", [r.id]);
    expect(await servicesOf(keys).approvals.expireOverdue()).toBeGreaterThanOrEqual(1);
    await notifier.drain();
    expect(noticesFor(r.id).map((x) => x.notice.type)).toEqual(["APPROVAL_REQUESTED", "APPROVAL_EXPIRED"]);
    expect(noticesFor(r.id)[1]!.notice).toMatchObject({ status: "EXPIRED", actor: "system:approvals" });
  });

  it("a receiver that hangs never holds up the request (its transaction committed first); the notice is retried after the timeout", async () => {
    const k = await activeKey("hook-hang");
    script.push("hang");
    const started = performance.now();
    const r = await as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: k.id, justification: "receiver is down for maintenance" });
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await t.db.approvalRequest.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("PENDING");
    await notifier.drain();
    expect(noticesFor(r.id).length).toBe(2); // the hung attempt timed out (300 ms), the retry was answered
  });
});
