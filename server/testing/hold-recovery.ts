/**
 * Child process for server/recovery/recovery-crash.int.test.ts: a compromise
 * recovery of a link (QBER over the abort threshold) through a real
 * RecoveryService, stopped at a chosen step either inside that step's first
 * transaction (before COMMIT) or right after it committed, so the test can
 * SIGKILL the process there.
 *
 *   QECNET_HOLD_DATABASE_URL=… QECNET_HOLD_MASTER_KEY=<64 hex> \
 *     node --import tsx server/testing/hold-recovery.ts before-commit|after-commit <status/step>[:routed] <linkId>
 *
 * With ":routed" the hold waits for the first commit after which a key is
 * DISTRIBUTED (routed and paid for, receipts not yet recorded): the revoked
 * step purges and distributes at once, so which of them commits first varies.
 *
 * Prints "HOLDING" at the hold point and waits to be killed (exits 3 after
 * QECNET_HOLD_MAX_MS); prints "FAILED …" and exits 1 if it never gets there.
 */
import { createPrismaClient, poolOf } from "../db/client";
import { RecoveryService } from "../recovery/recovery-service";
import { testServices } from "./fixtures";
import { fail } from "./hold-child";

const [mode, stepArg, linkId] = process.argv.slice(2);
const [step, when] = (stepArg ?? "").split(":");
if (!["before-commit", "after-commit"].includes(mode ?? "") || !step || !linkId) {
  fail(`usage: hold-recovery.ts before-commit|after-commit <status/step> <linkId> (got ${JSON.stringify(process.argv.slice(2))})`);
}
const url = process.env.QECNET_HOLD_DATABASE_URL;
const keyHex = process.env.QECNET_HOLD_MASTER_KEY ?? "";
if (!url) fail("QECNET_HOLD_DATABASE_URL is not set");
if (!/^[0-9a-f]{64}$/i.test(keyHex)) fail("QECNET_HOLD_MASTER_KEY must be 64 hex characters (a 256-bit key)");
const maxMs = Number(process.env.QECNET_HOLD_MAX_MS ?? 30_000);

/** Set when the recovery reaches `step`: the next batch of the runner holds (with ":routed", the next one after which a key is DISTRIBUTED). */
let armed = false;
const hold = async () => {
  if (!armed) return;
  if (when === "routed" && mode === "after-commit") {
    const { rows } = await poolOf(db).query<{ n: string }>("SELECT count(*) AS n FROM keys WHERE state = 'DISTRIBUTED'");
    if (Number(rows[0]!.n) === 0) return;
  }
  process.stdout.write("HOLDING\n");
  setTimeout(() => process.exit(3), maxMs);
  await new Promise<never>(() => undefined);
};
const db = createPrismaClient(url, 4);
const s = testServices(db, url, {
  masterKey: Buffer.from(keyHex, "hex"),
  hooks: mode === "before-commit" ? { beforeCommit: hold } : { afterCommit: hold },
});
const recovery = new RecoveryService(db, s.keys, s.agents, { beforeStep: (at) => { if (at === step) armed = true; } });
try {
  await recovery.signal({ signal: "QBER_ABORT", targetType: "link", targetId: linkId, reason: "crash test: QBER over the abort threshold" }, { actor: "system:recovery" });
  fail(`the recovery finished without reaching ${step}`);
} catch (err) {
  fail(`the recovery failed before the hold point: ${(err as Error).message}`);
}
