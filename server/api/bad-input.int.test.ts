/**
 * Bad input is a 400 with a sentence a person can act on, never a 500 and
 * never JavaScript internals: NUL bytes and other control characters in any
 * text or id, an audit cursor beyond PostgreSQL's bigint, a target id of the
 * wrong form for an approval kind, and, over HTTP, a `null` body or a superjson
 * meta that makes the input refer to itself. Nothing is changed by any of them.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs, createTestUsers, type TestUserName } from "../testing/auth-fixtures";
import { createNodes, servicesOf, testKeyService } from "../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { poolOf } from "../db/client";
import type { SessionUser } from "../domain/access/session-user";
import type { KeyService } from "../keys/key-service";
import { appRouter } from "./root";
import { createContextInner } from "./trpc";

const INTERNALS = /TypeError|ReferenceError|RangeError|SyntaxError|Cannot read|Cannot destructure|Cannot convert|undefined is not|is not a function|Maximum call stack|in JSON at position|Unexpected token|prisma|\bat [\w.]+ \(|invalid byte sequence|22021|22P02/i;

let t: TestDatabase;
let keys: KeyService;
let users: Record<TestUserName, SessionUser>;

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "badinput");
  await createNodes(t.db);
  keys = testKeyService(t.db);
  users = await createTestUsers(t.db, keys, "bad");
});
afterAll(async () => t?.dispose());

async function head(): Promise<string> {
  const { rows } = await poolOf(t.db).query<{ h: string }>("SELECT seq::text || ':' || hash AS h FROM audit_head");
  return rows[0]?.h ?? "";
}

async function refusal(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err, "should be refused").toBeInstanceOf(TRPCError);
  return err as TRPCError;
}

describe("bad input through tRPC is a 400 with a readable message", () => {
  const NUL = "a\u0000b";
  const as = (who: TestUserName) => callerAs(t.db, keys, users[who]);

  it.each([
    ["keys.list search", () => as("viewer").keys.list({ search: NUL }), /search: must not contain control characters/],
    ["keys.counts search", () => as("viewer").keys.counts({ search: NUL }), /search: must not contain control characters/],
    ["audit.list subjectId", () => as("viewer").audit.list({ subjectId: NUL }), /subjectId: must not contain control characters/],
    ["audit.list actor", () => as("viewer").audit.list({ actor: `user:${NUL}` }), /actor: must not contain control characters/],
    ["mesh.link id", () => as("viewer").mesh.link({ id: NUL }), /id: must not contain control characters/],
    ["mesh.node id", () => as("viewer").mesh.node({ id: NUL }), /id: must not contain control characters/],
    ["incidents.report reason", () => as("analyst").incidents.report({ targetType: "node", targetId: "node-a", reason: `seen on site ${NUL}` }), /reason: must not contain control characters/],
    ["users.create name", () => as("admin").users.create({ email: "nul@qecnet.test", name: NUL + "xx", role: "viewer", password: "a long enough password" }), /name: must not contain control characters/],
    ["keys.create purpose", () => as("officer").keys.create({ label: "nul-probe", purpose: `probe ${NUL}`, participants: ["node-a"] }), /purpose: must not contain control characters/],
    ["lone surrogate in a search", () => as("viewer").keys.list({ search: "x\uD800y" }), /search: must be valid Unicode text/],
    ["audit cursor 2^63", () => as("viewer").audit.list({ cursor: 2n ** 63n }), /cursor: .*at most 9223372036854775807/],
    ["audit cursor 2^70", () => as("viewer").audit.list({ cursor: 2n ** 70n }), /cursor: .*at most 9223372036854775807/],
    ["approvals.preview non-UUID key target", () => as("analyst").approvals.preview({ kind: "REVOCATION", targetId: "not-a-key" }), /targetId: .*key.*UUID/],
    ["approvals.request non-UUID key target", () => as("analyst").approvals.request({ kind: "REVOCATION", targetId: "not-a-key", justification: "probing the input checks" }), /targetId: .*key.*UUID/],
    ["approvals.request non-UUID emergency rotation target", () => as("analyst").approvals.request({ kind: "EMERGENCY_ROTATION", targetId: "x'; --", justification: "probing the input checks" }), /targetId: .*key.*UUID/],
    ["applications.register SAE ID with a space", () => as("admin").applications.register({ saeId: "bad sae", nodeId: "node-a" }), /saeId: The SAE ID may contain only letters/],
    ["applications.register SAE ID of 65 characters", () => as("admin").applications.register({ saeId: "s".repeat(65), nodeId: "node-a" }), /saeId: The SAE ID is at most 64 characters/],
    ["applications.register SAE ID with NUL", () => as("admin").applications.register({ saeId: NUL, nodeId: "node-a" }), /saeId: must not contain control characters/],
    ["applications.register SQL in the site", () => as("admin").applications.register({ saeId: "sae-x", nodeId: "node-a'; --" }), /nodeId: Choose a node id/],
    ["applications.register a pin that is not SHA-256", () => as("admin").applications.register({ saeId: "sae-x", nodeId: "node-a", certPins: ["abc"] }), /certPins.0: A certificate pin is a SHA-256 fingerprint/],
    ["applications.register nine pins", () => as("admin").applications.register({ saeId: "sae-x", nodeId: "node-a", certPins: Array.from({ length: 9 }, (_, i) => i.toString(16).repeat(64)) }), /certPins: At most 8 certificate pins/],
    ["applications.register a description of 301 characters", () => as("admin").applications.register({ saeId: "sae-x", nodeId: "node-a", description: "d".repeat(301) }), /description: The description is at most 300 characters/],
    ["applications.register an unknown site", () => as("admin").applications.register({ saeId: "sae-x", nodeId: "node-zz" }), /There is no node node-zz/],
    ["applications.update nothing to change", () => as("admin").applications.update({ saeId: "sae-x", expectedVersion: 0 }), /Nothing to change/],
    ["applications.setEnabled disable without a reason", () => as("admin").applications.setEnabled({ saeId: "sae-x", enabled: false, expectedVersion: 0, reason: " " }), /reason: Say why the application is disabled/],
    ["applications.pair an SAE with itself", () => as("admin").applications.pair({ saeA: "sae-x", saeB: "sae-x" }), /saeB: Choose two different applications/],
    ["applications.keyDeliveries non-UUID key", () => as("viewer").applications.keyDeliveries({ keyId: "x'; --" }), /keyId: must be a key id \(UUID\)/],
    ["applications.site node id with NUL", () => as("viewer").applications.site({ nodeId: NUL }), /nodeId: must not contain control characters/],
    ["approvals.preview node target with NUL", () => as("analyst").approvals.preview({ kind: "NODE_ISOLATION", targetId: NUL }), /targetId: must not contain control characters/],
  ] as const)("%s", async (_name, call, message) => {
    const before = await head();
    const err = await refusal(call());
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(INTERNALS);
    expect(await head()).toBe(before);
  });
});

describe("bad bodies over HTTP are a 400 without JavaScript internals", () => {
  let handle: (req: Request) => Promise<Response>;
  beforeAll(() => {
    const s = servicesOf(keys);
    handle = (req) => fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext: () => createContextInner(s, users.admin) });
  });

  async function post(path: string, body: string) {
    const res = await handle(new Request(`http://127.0.0.1/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body }));
    const text = await res.text();
    return { status: res.status, text, message: (JSON.parse(text) as { error: { json: { message: string } } }).error.json.message };
  }

  async function get(path: string, input: string) {
    const res = await handle(new Request(`http://127.0.0.1/api/trpc/${path}?input=${encodeURIComponent(input)}`));
    const text = await res.text();
    return { status: res.status, text, message: (JSON.parse(text) as { error: { json: { message: string } } }).error.json.message };
  }

  it.each([
    ["a null body", () => post("keys.create", "null")],
    ["a null json", () => post("keys.create", '{"json":null}')],
    ["a body that is not JSON", () => post("keys.create", "{")],
    ["a superjson meta that makes the input contain itself", () => post("keys.create", '{"json":{"label":"loop","purpose":"loop","participants":["node-a"]},"meta":{"referentialEqualities":{"participants":["participants.0"]}}}')],
    ["a superjson meta whose input is its own root", () => post("keys.create", '{"json":{"a":{}},"meta":{"referentialEqualities":{"":["a"]}}}')],
    ["a superjson meta that recurses in a query", () => get("keys.list", '{"json":{"search":{}},"meta":{"referentialEqualities":{"search":["search.x"]}}}')],
    ["a superjson meta with an unknown type", () => get("keys.list", '{"json":{"limit":"5"},"meta":{"values":{"limit":["custom","nope"]}}}')],
  ] as const)("%s", async (_name, call) => {
    const before = await head();
    const r = await call();
    expect(r.status, r.text).toBe(400);
    expect(r.message, r.text).not.toMatch(INTERNALS);
    expect(r.message.length).toBeGreaterThan(10);
    expect(await head()).toBe(before);
  });
});
