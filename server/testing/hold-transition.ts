/**
 * Child process for server/keys/crash-recovery.int.test.ts: performs one key
 * action through a real KeyService and stops inside its transaction, after the
 * batch's writes and before COMMIT, so the test can SIGKILL it there.
 *
 *   QECNET_HOLD_DATABASE_URL=postgresql://…  QECNET_HOLD_MASTER_KEY=<64 hex> \
 *     node --import tsx server/testing/hold-transition.ts create <label> <node,node,…>
 *     node --import tsx server/testing/hold-transition.ts apply <keyId> '<KeyEvent JSON>'
 *
 * Prints "HOLDING" on stdout at the hold point, then waits to be killed. It
 * never lingers: after QECNET_HOLD_MAX_MS (default 30 s) it exits with 3. If
 * the action ends without reaching the hold it prints "FAILED …" and exits 1.
 * (PGAPPNAME in the environment names its database session.)
 */
import type { KeyEvent } from "../domain/lifecycle/key-events";
import { fail, holdingKeyService } from "./hold-child";

const ACTOR = { actor: "crash-test" };
const service = holdingKeyService("before-commit");

const [action, ...args] = process.argv.slice(2);
try {
  if (action === "create" && args.length === 2) {
    await service.create({ label: args[0]!, purpose: "crash test", policy: "standard", participants: args[1]!.split(",") }, ACTOR);
  } else if (action === "apply" && args.length === 2) {
    await service.apply(args[0]!, JSON.parse(args[1]!) as KeyEvent, ACTOR);
  } else {
    fail(`usage: hold-transition.ts create <label> <nodes> | apply <keyId> '<event json>' (got ${JSON.stringify(process.argv.slice(2))})`);
  }
  fail("the action completed without reaching the hold point");
} catch (err) {
  fail(`the action failed before the hold point: ${(err as Error).message}`);
}
