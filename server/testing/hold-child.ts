/**
 * What the crash-test child processes (hold-transition.ts, hold-approval.ts)
 * share: their environment, a key service whose batch stops at a hold point
 * (before or after COMMIT) and prints "HOLDING" so the parent test can SIGKILL
 * it there, and the "FAILED …" exit when the hold point is never reached.
 *
 *   QECNET_HOLD_DATABASE_URL=postgresql://…  QECNET_HOLD_MASTER_KEY=<64 hex>
 *   QECNET_HOLD_MAX_MS (default 30 000): exit 3 after that, never linger.
 */
import { createPrismaClient } from "../db/client";
import { keyRunner } from "../keys/key-batch";
import { KeyService } from "../keys/key-service";
import { MeshBatch } from "../mesh/mesh-batch";
import { systemClock } from "../time/clock";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";

export function fail(message: string): never {
  process.stdout.write(`FAILED ${message}\n`);
  process.exit(1);
}

/** A key service on the hold database whose next batch stops at `at` and waits to be killed. */
export function holdingKeyService(at: "before-commit" | "after-commit"): KeyService {
  const url = process.env.QECNET_HOLD_DATABASE_URL;
  const keyHex = process.env.QECNET_HOLD_MASTER_KEY ?? "";
  if (!url) fail("QECNET_HOLD_DATABASE_URL is not set");
  if (!/^[0-9a-f]{64}$/i.test(keyHex)) fail("QECNET_HOLD_MASTER_KEY must be 64 hex characters (a 256-bit key)");
  const maxMs = Number(process.env.QECNET_HOLD_MAX_MS ?? 30_000);
  const hold = async () => {
    process.stdout.write("HOLDING\n");
    setTimeout(() => process.exit(3), maxMs); // keeps the process alive, and bounds it
    await new Promise<never>(() => undefined); // never returns
  };
  const masterKey = Buffer.from(keyHex, "hex");
  const db = createPrismaClient(url, 2);
  // Like the server's runner: the keys' part and the mesh's.
  const runner = keyRunner(db, systemClock, { parts: [new MeshBatch()], hooks: at === "before-commit" ? { beforeCommit: hold } : { afterCommit: hold } });
  return new KeyService(db, createKeyVault(masterKey, masterKeyId(masterKey)), { runner });
}
