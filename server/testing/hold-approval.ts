/**
 * Child process for server/approvals/approval-crash.int.test.ts: an officer's
 * approval through a real ApprovalService, stopped either inside the vote's
 * transaction (before COMMIT) or right after it committed (before the executor
 * drove the action to its end), so the test can SIGKILL it there.
 *
 *   QECNET_HOLD_DATABASE_URL=… QECNET_HOLD_MASTER_KEY=<64 hex> \
 *     node --import tsx server/testing/hold-approval.ts before-commit|after-commit <requestId> <voterId> <voterEmail>
 *
 * Prints "HOLDING" at the hold point and waits to be killed (exits 3 after
 * QECNET_HOLD_MAX_MS); prints "FAILED …" and exits 1 if it never gets there.
 */
import { approvalsFor } from "../approvals/approval-service";
import { createPrismaClient } from "../db/client";
import { KeyService } from "../keys/key-service";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";

function fail(message: string): never {
  process.stdout.write(`FAILED ${message}\n`);
  process.exit(1);
}

const url = process.env.QECNET_HOLD_DATABASE_URL;
const keyHex = process.env.QECNET_HOLD_MASTER_KEY ?? "";
if (!url) fail("QECNET_HOLD_DATABASE_URL is not set");
if (!/^[0-9a-f]{64}$/i.test(keyHex)) fail("QECNET_HOLD_MASTER_KEY must be 64 hex characters");
const maxMs = Number(process.env.QECNET_HOLD_MAX_MS ?? 30_000);
const [mode, requestId, voterId, voterEmail] = process.argv.slice(2);
if (!["before-commit", "after-commit"].includes(mode ?? "") || !requestId || !voterId || !voterEmail) {
  fail(`usage: hold-approval.ts before-commit|after-commit <requestId> <voterId> <voterEmail> (got ${JSON.stringify(process.argv.slice(2))})`);
}

const hold = async () => {
  process.stdout.write("HOLDING\n");
  setTimeout(() => process.exit(3), maxMs);
  await new Promise<never>(() => undefined);
};
const masterKey = Buffer.from(keyHex, "hex");
const db = createPrismaClient(url, 2);
const keys = new KeyService(db, createKeyVault(masterKey, masterKeyId(masterKey)), {
  hooks: mode === "before-commit" ? { beforeCommit: hold } : { afterCommit: hold },
});
try {
  await approvalsFor(keys).approve(requestId, "approved in a process about to die", { id: voterId, email: voterEmail, name: "crash", role: "officer" });
  fail("the approval completed without reaching the hold point");
} catch (err) {
  fail(`the approval failed before the hold point: ${(err as Error).message}`);
}
