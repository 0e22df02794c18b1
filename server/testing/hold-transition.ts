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
import { createPrismaClient } from "../db/client";
import { KeyService } from "../keys/key-service";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";
import type { KeyEvent } from "../lifecycle/key-events";

const ACTOR = { actor: "crash-test" };

function fail(message: string): never {
  process.stdout.write(`FAILED ${message}\n`);
  process.exit(1);
}

const url = process.env.QECNET_HOLD_DATABASE_URL;
const keyHex = process.env.QECNET_HOLD_MASTER_KEY ?? "";
if (!url) fail("QECNET_HOLD_DATABASE_URL is not set");
if (!/^[0-9a-f]{64}$/i.test(keyHex)) fail("QECNET_HOLD_MASTER_KEY must be 64 hex characters (a 256-bit key)");
const maxMs = Number(process.env.QECNET_HOLD_MAX_MS ?? 30_000);

const masterKey = Buffer.from(keyHex, "hex");
const db = createPrismaClient(url, 2);
const service = new KeyService(db, createKeyVault(masterKey, masterKeyId(masterKey)), {
  hooks: {
    beforeCommit: async () => {
      process.stdout.write("HOLDING\n");
      setTimeout(() => process.exit(3), maxMs); // keeps the process alive, and bounds it
      await new Promise<never>(() => undefined); // never commits
    },
  },
});

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
