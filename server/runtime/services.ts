/**
 * The services of this server process, built once from the validated
 * environment: the Prisma client, the key vault (master key) and the key
 * service with its group-commit runner.
 */
import { AuditService } from "../audit/audit-service";
import { CheckpointFile } from "../audit/checkpoint/checkpoint-file";
import { CheckpointService } from "../audit/checkpoint/checkpoint-service";
import { loadSigningKey } from "../audit/checkpoint/signing-key";
import { env } from "../config/env";
import { prisma, type Db } from "../db/client";
import { KeyService } from "../keys/key-service";
import { vaultFromEnvironment } from "../keys/key-vault";

export interface Services {
  db: Db;
  keys: KeyService;
  audit: AuditService;
  checkpoints: CheckpointService;
}

const g = globalThis as unknown as { __qecnetServices?: Services };

export function services(): Services {
  if (!g.__qecnetServices) {
    const e = env();
    const db = prisma();
    const vault = vaultFromEnvironment(e.QECNET_MASTER_KEY, e.dataDir);
    const keys = new KeyService(db, vault);
    const signingKey = loadSigningKey({ envValue: e.QECNET_AUDIT_SIGNING_KEY, dataDir: e.dataDir });
    const checkpoints = new CheckpointService(db, signingKey, new CheckpointFile(e.dataDir));
    g.__qecnetServices = { db, keys, audit: new AuditService(db, keys.runner, checkpoints), checkpoints };
  }
  return g.__qecnetServices;
}
