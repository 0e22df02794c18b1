/**
 * Session settings of every connection, sent first on each new one. JIT
 * compilation is off: this is short OLTP work, and PostgreSQL's cost estimate
 * for a batch over a thousand keys (a JSON list it cannot see into) passes
 * jit_above_cost, so it compiled the query for ~0.5 s to save milliseconds
 * (seen on PostgreSQL 15 with LLVM: loading 1,000 keys took 714 ms, 25 ms
 * without JIT). A SET rather than a startup option, which connection poolers
 * such as PgBouncer refuse. In a module of its own (no Prisma): the audit
 * verifier's worker thread opens its own connection with it.
 */
export const SESSION_SETUP = "SET jit = off";
