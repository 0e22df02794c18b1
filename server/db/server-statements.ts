/**
 * Statements PREPAREd on the server and run with `EXECUTE name(…)` inside a simple (multi-statement) query: the way a
 * read can go in the same round trip as other statements (the batch's BEGIN and head lock) and still be parsed and
 * planned once per connection, not at every call as a statement written out in full would be.
 *
 * Which connection holds which statement is kept per pg client. A statement is prepared under a name of its own on
 * each connection (`<base>_<n>`): when a query that carried the PREPARE failed, whether the PREPARE ran is not known,
 * so the connection is forgotten and the next use prepares under a new name rather than risk "already exists".
 * (PREPARE is not undone by a ROLLBACK; a statement lives as long as its connection.)
 */
import type pg from "pg";

export interface ServerStatement {
  /** The base of the names it gets on the server: lower case letters, digits and underscores. */
  readonly base: string;
  /** The parameter types, e.g. "uuid[]"; "" for none. */
  readonly params: string;
  /** The statement, its parameters as $1, $2… */
  readonly sql: string;
}

const NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/** Per connection: the name each statement (by base) is known to be prepared under. */
const prepared = new WeakMap<pg.ClientBase, Map<string, string>>();
let serial = 0;

/**
 * The text to run `statement` with `args` (SQL literals, already escaped by the caller) on `client`: `run`, and the
 * PREPARE to send before it in the same query when the connection does not hold it yet (`prepare`, else null). Call
 * `confirmed` once the query that carried both succeeded, `forgetStatements` when it failed.
 */
export function executeText(client: pg.ClientBase, statement: ServerStatement, args: readonly string[]): { prepare: string | null; run: string; confirmed(): void } {
  if (!NAME.test(statement.base)) throw new Error(`not a statement name: ${statement.base}`);
  const known = prepared.get(client)?.get(statement.base);
  const name = known ?? `${statement.base}_${++serial}`;
  return {
    prepare: known ? null : `PREPARE ${name}${statement.params ? `(${statement.params})` : ""} AS ${statement.sql}`,
    run: `EXECUTE ${name}${args.length > 0 ? `(${args.join(", ")})` : ""}`,
    confirmed: () => {
      if (known) return;
      let names = prepared.get(client);
      if (!names) prepared.set(client, (names = new Map()));
      names.set(statement.base, name);
    },
  };
}

/** A statement prepared on the server with its arguments (SQL literals, escaped by the caller). */
export interface PreparedRead {
  statement: ServerStatement;
  args: readonly string[];
}

/** A read sent in a simple query: written out in full, or a prepared statement with its arguments. */
export type SimpleRead = string | PreparedRead;

/**
 * The simple query running `reads` after `head` (statements written out), with the PREPAREs the connection lacks
 * first; `done(ok)` once it answered. `offset`: how many results come before the first of `head`.
 */
export function simpleQuery(client: pg.ClientBase, head: readonly string[], reads: readonly SimpleRead[]): { text: string; offset: number; done(ok: boolean): void } {
  const runs = reads.map((r) => (typeof r === "string" ? { prepare: null, run: r, confirmed: () => undefined } : executeText(client, r.statement, r.args)));
  const prepares = runs.flatMap((r) => (r.prepare ? [r.prepare] : []));
  return {
    // The PREPAREs first, before any BEGIN: a rollback would not undo them anyway.
    text: [...prepares, ...head, ...runs.map((r) => r.run)].join(";\n"),
    offset: prepares.length,
    done: (ok) => {
      if (!ok) forgetStatements(client);
      else for (const r of runs) r.confirmed();
    },
  };
}

/** After a failed query: what the connection holds is no longer known (its statements are prepared anew, renamed). */
export function forgetStatements(client: pg.ClientBase): void {
  prepared.delete(client);
}
