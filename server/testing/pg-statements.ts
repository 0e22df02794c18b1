/**
 * For tests that count what a piece of code sends to PostgreSQL: every statement any pg client of this process sends
 * while `fn` runs (pools included: they send through their clients), a prepared statement by its name and any other
 * by its text, in order. Never used outside tests.
 */
import pg from "pg";

export async function recordStatements<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
    const q = args[0] as unknown;
    sent.push(typeof q === "string" ? q : String((q as { name?: string; text?: string }).name ?? (q as { text?: string }).text));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { result: await fn(), sent };
  } finally {
    pg.Client.prototype.query = query;
  }
}
