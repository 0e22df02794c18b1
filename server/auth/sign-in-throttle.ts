/**
 * Sign-in throttling per account, and the audit summary of failure floods.
 *
 * better-auth throttles per client address (server/auth/client-address.ts says
 * which address). This counts failures per account, that is per email tried
 * (whether or not a user has it, so a refusal says nothing about who exists),
 * from any address: beyond QECNET_SIGNIN_ACCOUNT_LIMIT the account is refused
 * until its window ends. Counts live in the database (better-auth's own
 * auth_rate_limits table, keys "account:<email>"), so every instance shares them.
 *
 * Every failure is counted in metrics; the audit chain gets at most three
 * entries per account and window: the first failure, the moment throttling
 * engages, and a summary of the window's failures when the next window begins
 * or the account signs in. Anyone can send failures without an account, so
 * the chain must not grow by one entry each.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";

export interface ThrottleWindow {
  /** Failures in the window, including this one. */
  count: number;
  windowStart: Date;
}

export interface FailureRecord extends ThrottleWindow {
  /** A window of this account that ended with this failure's arrival, when it had failures the chain has not seen one by one. */
  endedWindow: ThrottleWindow | null;
}

const keyOf = (email: string) => `account:${email}`;

export class SignInThrottle {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limit: { max: number; window: number },
    private readonly clock: () => Date,
  ) {}

  get max(): number {
    return this.limit.max;
  }

  get windowSeconds(): number {
    return this.limit.window;
  }

  /** Seconds until the account may try again, or 0 when it is not throttled. */
  async retryAfter(email: string): Promise<number> {
    const now = this.clock().getTime();
    const { rows } = await this.pool.query<{ count: number; last_request: string }>("SELECT count, last_request FROM auth_rate_limits WHERE key = $1", [keyOf(email)]);
    const r = rows[0];
    if (!r) return 0;
    const ends = Number(r.last_request) + this.limit.window * 1000;
    return r.count >= this.limit.max && now < ends ? Math.ceil((ends - now) / 1000) : 0;
  }

  /** Counts a failure in the account's current window (a new window when the last one is over). */
  async recordFailure(email: string): Promise<FailureRecord> {
    const now = this.clock().getTime();
    return this.inTransaction(async (c) => {
      const { rows } = await c.query<{ count: number; last_request: string }>("SELECT count, last_request FROM auth_rate_limits WHERE key = $1 FOR UPDATE", [keyOf(email)]);
      const prev = rows[0];
      const current = prev && now < Number(prev.last_request) + this.limit.window * 1000;
      if (current) {
        const { rows: up } = await c.query<{ count: number }>("UPDATE auth_rate_limits SET count = count + 1 WHERE key = $1 RETURNING count", [keyOf(email)]);
        return { count: up[0]!.count, windowStart: new Date(Number(prev.last_request)), endedWindow: null };
      }
      await c.query(
        `INSERT INTO auth_rate_limits (id, key, count, last_request) VALUES ($1, $2, 1, $3)
         ON CONFLICT (key) DO UPDATE SET count = 1, last_request = EXCLUDED.last_request`,
        [randomUUID(), keyOf(email), now],
      );
      return { count: 1, windowStart: new Date(now), endedWindow: prev && prev.count > 1 ? { count: prev.count, windowStart: new Date(Number(prev.last_request)) } : null };
    });
  }

  /** A successful sign-in ends the account's window; returns it when it had failures to summarise. */
  async reset(email: string): Promise<ThrottleWindow | null> {
    const { rows } = await this.pool.query<{ count: number; last_request: string }>("DELETE FROM auth_rate_limits WHERE key = $1 RETURNING count, last_request", [keyOf(email)]);
    const r = rows[0];
    return r && r.count > 1 ? { count: r.count, windowStart: new Date(Number(r.last_request)) } : null;
  }

  private async inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
}
