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
import { registerApprovalKinds } from "../approvals/approval-kinds";
import { ApprovalService } from "../approvals/approval-service";
import { APPROVAL_KINDS } from "../runtime/services";
import { fail, holdingKeyService } from "./hold-child";

const [mode, requestId, voterId, voterEmail] = process.argv.slice(2);
if (!["before-commit", "after-commit"].includes(mode ?? "") || !requestId || !voterId || !voterEmail) {
  fail(`usage: hold-approval.ts before-commit|after-commit <requestId> <voterId> <voterEmail> (got ${JSON.stringify(process.argv.slice(2))})`);
}
const keys = holdingKeyService(mode as "before-commit" | "after-commit");
try {
  registerApprovalKinds(APPROVAL_KINDS);
  await new ApprovalService(keys.db, keys).approve(requestId, "approved in a process about to die", { id: voterId, email: voterEmail, name: "crash", role: "officer" });
  fail("the approval completed without reaching the hold point");
} catch (err) {
  fail(`the approval failed before the hold point: ${(err as Error).message}`);
}
