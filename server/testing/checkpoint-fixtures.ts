/** Checkpoint services for tests: a fresh Ed25519 key and checkpoint file in a temporary data folder. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointFile } from "../audit/checkpoint/checkpoint-file";
import { CheckpointService } from "../audit/checkpoint/checkpoint-service";
import { loadSigningKey } from "../audit/checkpoint/signing-key";
import type { Db } from "../db/client";

export function testCheckpointService(db: Db, opts: { dataDir?: string; clock?: () => Date } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "qecnet-cp-"));
  return new CheckpointService(db, loadSigningKey({ dataDir }), new CheckpointFile(dataDir), opts.clock);
}
