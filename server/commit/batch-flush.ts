/**
 * Writes a batch in one statement: the rows its domains contribute (new and
 * changed keys and participants: server/keys/key-batch.ts), the batch's audit
 * entries and the moved audit head, as data-modifying CTEs over JSON rows
 * (PostgreSQL runs each of them to completion whether or not the outer
 * statement reads it). One round trip however many jobs the batch holds; the
 * transaction makes it all-or-nothing. The same statement NOTIFYs live
 * consoles (server/events), which PostgreSQL delivers only if the transaction
 * commits. A big batch (hundreds of entries) sends its domain rows ahead in a
 * statement of their own (sendRowsAhead), so that PostgreSQL writes them while
 * the runner hashes the chain; still one transaction.
 */
import type pg from "pg";
import type { ChainedEntry } from "../audit/entry-hash";
import { encodeEvent, EVENT_CHANNEL, type EventTopic } from "../domain/events/console-events";
import type { JsonParam, PartOfBatch, RowParts } from "./batch-part";
import type { BatchWorkspace } from "./batch-workspace";

/**
 * A statement's JSON parameters: `param` adds one and returns its placeholder. Typed json, not jsonb: PostgreSQL
 * then reads the rows straight from the text (json_to_recordset) instead of first building jsonb's binary form of the
 * whole array, which cost twice as much (2,000 key rows, 1.7 MB: 50 ms as jsonb, 23 ms as json, PostgreSQL 15).
 */
function parameters() {
  const params: unknown[] = [];
  const param: JsonParam = (rows) => {
    params.push(typeof rows === "string" ? rows : JSON.stringify(rows));
    return `$${params.length}::json`;
  };
  return { params, param };
}

/** Every part's rows, in part order, sharing the statement's parameters. */
function rowsOf(parts: readonly PartOfBatch[], param: JsonParam): RowParts {
  const all = parts.map((p) => p.rows?.(param) ?? { parts: [], shape: "" });
  return { parts: all.flatMap((r) => r.parts), shape: all.map((r) => r.shape).join("") };
}

/**
 * Sends a big batch's domain rows ahead of its audit entries, in the same
 * transaction, so that PostgreSQL writes them while this process hashes the
 * chain (flushBatch with `rowsSent` then writes the rest). Resolves when they
 * are written; a batch with no such rows sends nothing.
 */
export async function sendRowsAhead(client: pg.ClientBase, batchParts: readonly PartOfBatch[]): Promise<void> {
  const { params, param } = parameters();
  const { parts, shape } = rowsOf(batchParts, param);
  if (parts.length === 0) return;
  await client.query({ name: `qecnet-keyrows-${shape}`, text: `WITH ${parts.join(", ")} SELECT 1`, values: params });
}

export async function flushBatch(
  client: pg.ClientBase,
  ws: BatchWorkspace,
  entries: readonly ChainedEntry[],
  batchParts: readonly PartOfBatch[],
  opts: { rowsSent?: boolean; commit?: boolean; /** With commit: statements sent after the flush, before COMMIT (JobGroup.statement). */ then?: readonly pg.QueryConfig[] } = {},
): Promise<void> {
  const announced = batchParts.map((p) => p.announce?.() ?? { topics: [] });
  const keyIds = announced.flatMap((a) => a.keyIds ?? []);
  if (keyIds.length === 0 && entries.length === 0 && ws.events.length === 0) {
    if (opts.commit) await pipelinedCommit(client, null, opts.then);
    return;
  }
  // Built as text. Each entry's details are already canonical JSON (what was hashed): they go as a string, stored as
  // written (audit_entries.details is json), so a verifier can hash the stored text as it is.
  const J = JSON.stringify;
  const auditJson = `[${entries.map((e) =>
    `{"seq":"${e.seq}","at":"${e.at.toISOString()}","actor":${J(e.actor)},"action":${J(e.action)},"subject_type":${J(e.subjectType)},` +
    `"subject_id":${J(e.subjectId)},"from_state":${J(e.fromState)},"to_state":${J(e.toState)},"details":${J(e.detailsText)},` +
    `"prev_hash":${J(e.prevHash)},"entry_hash":${J(e.entryHash)}}`).join(",")}]`;
  const last = entries[entries.length - 1];
  const topics = new Set<EventTopic>([
    ...(entries.length > 0 ? (["audit"] as const) : []),
    ...announced.flatMap((a) => a.topics),
    ...ws.events.map((e) => e.topic),
  ]);
  const event = encodeEvent({ topics: [...topics], seq: last?.seq.toString(), keyIds, events: ws.events.length > 0 ? ws.events : undefined });

  // Only the parts this batch needs: each is a data-modifying CTE over one JSON parameter.
  const { params, param } = parameters();
  const rows: RowParts = opts.rowsSent ? { parts: [], shape: "ahead" } : rowsOf(batchParts, param);
  const parts = [...rows.parts];
  if (entries.length > 0) {
    parts.push(`new_audit AS (
      INSERT INTO audit_entries (seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash)
      SELECT seq::bigint, at, actor, action, subject_type, subject_id, from_state, to_state, details::json, prev_hash, entry_hash
      FROM json_to_recordset(${param(auditJson)}) AS u(
        seq text, at timestamptz, actor text, action text, subject_type text, subject_id text, from_state text,
        to_state text, details text, prev_hash text, entry_hash text)
    )`);
  }
  const withClause = parts.length > 0 ? `WITH ${parts.join(", ")} ` : "";
  params.push(last?.seq.toString() ?? null, last?.entryHash ?? null, last ? last.at.toISOString() : null, EVENT_CHANNEL, event);
  const n = params.length - 2;
  // Named per combination of parts, so each shape is planned once per connection.
  const flush: pg.QueryConfig = {
    name: `qecnet-flush-${rows.shape}${entries.length > 0 ? 1 : 0}`,
    text: `${withClause}
    UPDATE audit_head SET
      seq = COALESCE($${n - 2}::bigint, seq),
      hash = COALESCE($${n - 1}::text, hash),
      updated_at = COALESCE($${n}::timestamptz, updated_at)
    FROM (SELECT pg_notify($${n + 1}::text, $${n + 2}::text)) AS announced
    WHERE id = 1`,
    values: params,
  };
  if (opts.commit) await pipelinedCommit(client, flush, opts.then);
  else await client.query(flush);
}

/** A pg client's pipeline switch (node-postgres's pipeline mode: queries are written without waiting for the answers before them). */
type Pipelining = pg.ClientBase & { pipeline?: boolean };

function checkCommitted(r: pg.QueryResult): void {
  if (r.command !== "COMMIT") throw new Error(`COMMIT answered ${r.command}: the transaction had failed and was rolled back`);
}

/**
 * The flush statement, the statements `then` (writes that decide nothing from their answers), and COMMIT, written
 * together: one round trip instead of one each (the batch's last writes). Each keeps its own protocol: the
 * parameters are bound (never in the statement text PostgreSQL logs with an error), COMMIT is a plain query after
 * the others' Syncs. If one of them fails, PostgreSQL has aborted the transaction, the ones after it fail too and
 * COMMIT is answered with ROLLBACK: nothing was written, and the first error is thrown. Every statement is built
 * before the first is sent. The client is switched to pipelining for these only (the runner holds it alone
 * meanwhile) and back once all are answered, so every other use of pooled connections is unchanged.
 */
async function pipelinedCommit(client: pg.ClientBase, flush: pg.QueryConfig | null, then: readonly pg.QueryConfig[] = []): Promise<void> {
  const statements = flush ? [flush, ...then] : [...then];
  const c = client as Pipelining;
  if (c.pipeline === undefined) {
    // A driver without pipelining: one round trip each.
    for (const s of statements) await client.query(s);
    return checkCommitted(await client.query("COMMIT"));
  }
  c.pipeline = true;
  let answers: Array<PromiseSettledResult<unknown>>;
  let committed: PromiseSettledResult<pg.QueryResult>;
  try {
    const sent = statements.map((s) => client.query(s));
    [committed, ...answers] = (await Promise.allSettled([client.query("COMMIT"), ...sent])) as [PromiseSettledResult<pg.QueryResult>, ...Array<PromiseSettledResult<unknown>>];
  } finally {
    c.pipeline = false;
  }
  const failed = answers.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  if (committed.status === "rejected") throw committed.reason;
  checkCommitted(committed.value);
}
