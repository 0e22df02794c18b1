/**
 * The verifiers' fast lane (copy-walk.ts) against the page walk it spares: on a sound chain it vouches for every
 * entry, also those whose text needs escaping; on a damaged one it stops before the first entry it is not sure of,
 * and walkStoredChain's answer is the page walk's in every case (same failures, same counts, same head).
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { appendDrafts, tamperWithAuditEntries } from "../testing/synthetic-chain";
import { keepPristineAudit, restorePristineAudit } from "../testing/pristine-audit";
import type { AuditEntryDraft, ChainLink, ChainVerification, VerifyChainOptions } from "../domain/audit/types";
import type { ChainedEntry } from "./entry-hash";
import { CopyRows, Lane, YIELD_ROWS, walkFastLane, walkStoredChain } from "./copy-walk";
import { readEntryPages, readStoredEntryPages } from "./entry-pages";
import { leafHashOf } from "./checkpoint/leaf-hash";
import { CHAIN_START, verifyChain } from "./verify-chain";
import { MAX_SEQ } from "./verify-threads/range-job";

let t: TestDatabase;
let c: pg.Client;
let entries: ChainedEntry[];
let head: ChainLink;

/** Text that canonical JSON must escape, or that is not ASCII: the lane has to write it exactly as the page walk does. */
const AWKWARD: Array<Partial<AuditEntryDraft>> = [
  { subjectId: 'key "quoted"' },
  { actor: "ops\\backslash" },
  { action: "LINE\nBREAK", subjectType: "tab\there" },
  { actor: "Zürich operator ✓", subjectId: "鍵-42" },
  { subjectId: "emoji 🔑 and \u0001 control" },
  { fromState: null, toState: null },
  { fromState: null, toState: 'to "x"' },
  { subjectId: "" },
  // Times the lane reads from PostgreSQL's microseconds since 2000 (negative before it) and formats as the walk does.
  { at: new Date("1999-12-31T23:59:59.999Z") },
  { at: new Date("0999-06-15T12:00:00.001Z") },
  { at: new Date("1970-01-01T00:00:00.000Z") },
];

function draft(i: number, at: Date, extra: Partial<AuditEntryDraft> = {}): AuditEntryDraft {
  return {
    at, actor: i % 3 ? "ops-1" : "system", action: i % 2 ? "KEY_USAGE_RECORDED" : "KEY_ACTIVATED", subjectType: "key", subjectId: `key-${i % 97}`,
    fromState: "ACTIVE", toState: "ACTIVE", details: { count: i, note: i % 5 ? "plain" : 'with "quotes" \\ and ünïcode' }, ...extra,
  };
}

/** The page walk's answer, which the lane must never change. */
function pageWalk(toSeq: bigint, opts: VerifyChainOptions = {}): Promise<ChainVerification> {
  return verifyChain(readStoredEntryPages(c, opts.start?.seq ?? 0n, toSeq), opts);
}

const CHUNK = 700; // several COPY statements over the chain

/**
 * The lane alone, walkStoredChain and the page walk over the same range. Also checks the lane's leaf hashes (what a
 * checkpoint appends): one for each entry it vouched for, in order, each the checkpoint's leafHashOf of that stored entry.
 */
async function bothWays(toSeq: bigint, opts: VerifyChainOptions = {}): Promise<{ fast: ChainVerification; pages: ChainVerification; laneEntries: number }> {
  const leaves: string[] = [];
  const from = opts.start ?? CHAIN_START;
  const lane = await walkFastLane(c, from, toSeq, { head: opts.head, anchors: opts.anchors, chunkRows: CHUNK, onLeaf: (h) => leaves.push(Buffer.from(h).toString("hex")) });
  const fast = await walkStoredChain(c, toSeq, { ...opts, chunkRows: CHUNK });
  const pages = await pageWalk(toSeq, opts);
  const expected: string[] = [];
  for await (const page of readEntryPages(c, from.seq, lane.link.seq)) for (const e of page) expected.push(Buffer.from(leafHashOf(e)).toString("hex"));
  expect(leaves).toHaveLength(lane.entries);
  expect(leaves).toEqual(expected);
  return { fast, pages, laneEntries: lane.entries };
}

const n = () => Number(head.seq);
const at = (seq: number) => entries[seq - 1]!;

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "copywalk");
  c = new pg.Client({ connectionString: t.url });
  await c.connect();
  entries = [];
  let time = Date.parse("2026-06-01T10:00:00.000Z");
  // 2,500 entries in batches of 1–40 (a batch shares its time), the awkward ones spread through them.
  for (let i = 0; entries.length < 2_500; ) {
    const size = 1 + (i % 40);
    const when = new Date((time += 1_337));
    const drafts = Array.from({ length: size }, (_, k) => draft(i + k, when, (i + k) % 61 === 7 ? AWKWARD[((i + k) / 61) % AWKWARD.length | 0] : {}));
    entries.push(...(await appendDrafts(c, drafts)));
    i += size;
  }
  const h = (await c.query<{ seq: string; hash: string }>("SELECT seq::text AS seq, hash FROM audit_head")).rows[0]!;
  head = { seq: BigInt(h.seq), hash: h.hash };
  await c.query("SET session_replication_role = replica");
  await keepPristineAudit(c);
});

afterAll(async () => {
  await c?.end();
  await t?.dispose();
});

beforeEach(async () => {
  await restorePristineAudit(c);
});

describe("a sound chain", () => {
  it("is vouched for entry by entry by the lane, escaped and non-ASCII text included, with the page walk's answer", async () => {
    expect(entries.some((e) => e.subjectId.includes('"')) && entries.some((e) => e.actor.includes("\\")) && entries.some((e) => e.fromState === null)).toBe(true);
    const { fast, pages, laneEntries } = await bothWays(MAX_SEQ, { head });
    expect(pages).toEqual({ ok: true, entries: n(), headSeq: head.seq, headHash: head.hash });
    expect(fast).toEqual(pages);
    expect(laneEntries).toBe(n());
  });

  it("gives the page walk's answer for a range, with anchors inside it", async () => {
    const start = { seq: 1_000n, hash: at(1_000).entryHash };
    const anchors = [1_200, 1_777, 2_000].map((s) => ({ seq: BigInt(s), hash: at(s).entryHash }));
    const { fast, pages, laneEntries } = await bothWays(2_000n, { start, anchors });
    expect(pages).toEqual({ ok: true, entries: 1_000, headSeq: 2_000n, headHash: at(2_000).entryHash });
    expect(fast).toEqual(pages);
    expect(laneEntries).toBe(1_000);
  });

  it("leaves the walk its transaction when the server refuses a COPY, and the page walk does the rest", async () => {
    // The second COPY statement is refused by the server (division by zero): inside the walk's transaction that
    // would abort it, and every later statement would fail.
    let copies = 0;
    const refusing = new Proxy(c, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
        return (config: unknown, ...rest: unknown[]) => {
          if (config instanceof CopyRows && ++copies === 2) Object.assign(config, { text: "COPY (SELECT 1 / 0) TO STDOUT (FORMAT binary)" });
          return (target.query as (...a: unknown[]) => unknown).call(target, config, ...rest);
        };
      },
    });
    for (const inTransaction of [true, false]) {
      copies = 0;
      if (inTransaction) await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        const lane = await walkFastLane(refusing, CHAIN_START, MAX_SEQ, { head, chunkRows: CHUNK });
        expect(lane.entries).toBe(CHUNK); // what it vouched for before the refusal stands
        copies = 0;
        const fast = await walkStoredChain(refusing, MAX_SEQ, { head, chunkRows: CHUNK });
        expect(fast).toEqual(await pageWalk(MAX_SEQ, { head }));
        expect(fast.ok).toBe(true);
      } finally {
        if (inTransaction) await c.query("COMMIT");
      }
    }
  });

  it("fails the walk when the leaf sink throws (its tree may or may not hold that leaf), in a transaction and out of one", async () => {
    for (const inTransaction of [true, false]) {
      if (inTransaction) await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      let given = 0;
      const walk = walkFastLane(c, CHAIN_START, head.seq, {
        head,
        chunkRows: CHUNK,
        onLeaf: () => {
          if (++given === 1_000) throw new Error("the tree is full");
        },
      });
      await expect(walk).rejects.toThrow("the tree is full");
      expect(given).toBe(1_000);
      // The connection is usable afterwards (the lane's savepoint was rolled back to, or there was none).
      expect((await c.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
      if (inTransaction) await c.query("COMMIT");
    }
  });

  it("does nothing on a connection whose text is not UTF-8, and the page walk does it all", async () => {
    await c.query("SET client_encoding = 'LATIN1'");
    try {
      const lane = await walkFastLane(c, CHAIN_START, 100n, {});
      expect(lane).toEqual({ link: CHAIN_START, entries: 0 });
    } finally {
      await c.query("SET client_encoding = 'UTF8'");
    }
  });
});

describe("a damaged chain: the lane stops before the first entry it cannot vouch for, and the answer is the page walk's", () => {
  const cases: Array<{ name: string; seq: number; sql: string; values?: unknown[]; ok?: boolean }> = [
    { name: "details edited", seq: 1_234, sql: `UPDATE audit_entries SET details = '{"count":999}' WHERE seq = $1` },
    {
      // The stored text of an escaped quote, written raw: hashed as stored it would be the original's text.
      name: "an escaped field replaced by its escaped text", seq: 0, sql: `UPDATE audit_entries SET subject_id = replace(subject_id, '"', '\\"') WHERE seq = $1`,
    },
    { name: "prev_hash edited", seq: 1_500, sql: `UPDATE audit_entries SET prev_hash = repeat('a', 64) WHERE seq = $1` },
    { name: "an entry deleted", seq: 1_800, sql: `DELETE FROM audit_entries WHERE seq = $1` },
    { name: "entry_hash edited", seq: 2_100, sql: `UPDATE audit_entries SET entry_hash = repeat('b', 64) WHERE seq = $1` },
    { name: "an actor with a control character", seq: 900, sql: `UPDATE audit_entries SET actor = E'ops\\u0007' WHERE seq = $1` },
    // Not damage the page walk reports (it parses details that are not in canonical form and hashes them canonical),
    // but not what the lane vouches for either: it stops there, and the page walk passes it.
    { name: "details stored as jsonb's text", seq: 1_100, sql: `UPDATE audit_entries SET details = details::jsonb::json WHERE seq = $1`, ok: true },
  ];
  for (const k of cases) {
    it(k.name, async () => {
      const seq = k.seq || entries.find((e) => e.subjectId.includes('"'))!.seq.toString();
      await tamperWithAuditEntries(c, k.sql, [seq]);
      const { fast, pages, laneEntries } = await bothWays(MAX_SEQ, { head });
      expect(pages.ok).toBe(k.ok ?? false);
      expect(fast).toEqual(pages);
      expect(laneEntries).toBe(Number(seq) - 1);
    });
  }

  it("a wrong anchor", async () => {
    const anchors = [{ seq: 1_999n, hash: "c".repeat(64) }];
    const { fast, pages, laneEntries } = await bothWays(MAX_SEQ, { head, anchors });
    expect(pages.ok).toBe(false);
    expect(fast).toEqual(pages);
    expect(laneEntries).toBe(1_998);
  });

  it("entries past the head, and a head with another hash", async () => {
    let r = await bothWays(MAX_SEQ, { head: { seq: 2_000n, hash: at(2_000).entryHash } });
    expect(r.pages.ok).toBe(false);
    expect(r.fast).toEqual(r.pages);
    expect(r.laneEntries).toBe(2_000);
    r = await bothWays(MAX_SEQ, { head: { seq: head.seq, hash: "d".repeat(64) } });
    expect(r.pages.ok).toBe(false);
    expect(r.fast).toEqual(r.pages);
    expect(r.laneEntries).toBe(n() - 1);
  });

  it("a cut tail against an anchor past the end", async () => {
    await tamperWithAuditEntries(c, "DELETE FROM audit_entries WHERE seq > 2400");
    const { fast, pages, laneEntries } = await bothWays(MAX_SEQ, { anchors: [{ seq: 2_450n, hash: at(2_450).entryHash }] });
    expect(pages.ok).toBe(false);
    expect(fast).toEqual(pages);
    expect(laneEntries).toBe(2_400);
  });
});

describe("COPY rows as the connection delivers them", () => {
  /** The COPY output of #1…#count as the server sent it, message by message. */
  async function capture(count: number): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      void c.query({
        submit: (conn: { query(text: string): void }) =>
          conn.query(`COPY (SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
            FROM audit_entries WHERE seq > 0 ORDER BY seq LIMIT ${count}) TO STDOUT (FORMAT binary)`),
        handleCopyData: (m: { chunk: Buffer }) => chunks.push(Buffer.from(m.chunk)),
        handleCommandComplete: () => undefined,
        handleReadyForQuery: () => resolve(),
        handleError: (e: Error) => reject(e),
      } as unknown as pg.QueryConfig);
    });
    return chunks;
  }

  it("reads rows split across messages at any point as it reads whole ones", async () => {
    const chunks = await capture(300);
    const stream = Buffer.concat(chunks);
    for (const size of [1, 7, 64, 333, 4096]) {
      const lane = new Lane(CHAIN_START, Number.MAX_SAFE_INTEGER, [], null);
      const rows = new CopyRows("", lane);
      for (let p = 0; p < stream.length; p += size) rows.handleCopyData({ chunk: stream.subarray(p, p + size) });
      expect({ size, entries: lane.entries, stopped: lane.stopped, rows: rows.rows, finished: rows.finished })
        .toEqual({ size, entries: 300, stopped: false, rows: 300, finished: true });
      expect(lane.progress().link).toEqual({ seq: 300n, hash: at(300).entryHash });
    }
  });

  it("pauses the socket for a turn of the event loop every YIELD_ROWS rows, so other work runs between", async () => {
    const stream = Buffer.concat(await capture(2_500));
    const calls: string[] = [];
    const lane = new Lane(CHAIN_START, Number.MAX_SAFE_INTEGER, [], null);
    const rows = new CopyRows("", lane);
    rows.submit({ query: () => calls.push("query"), stream: { pause: () => calls.push("pause"), resume: () => calls.push("resume") } });
    rows.handleCopyData({ chunk: stream }); // all 2,500 rows at once, as a busy socket delivers them
    expect(lane.entries).toBe(2_500);
    expect(calls).toEqual(["query", "pause"]); // paused once (not again while paused) in the turn that read them
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(["query", "pause", "resume"]);
    expect(YIELD_ROWS).toBeLessThan(2_500);
  });
});
