/**
 * The services of this server process, built once from the validated
 * environment: the Prisma client, the key vault (master key) and the key
 * service with its group-commit runner.
 */
import { AuditService } from "../audit/audit-service";
import { env } from "../config/env";
import { prisma, type Db } from "../db/client";
import { EventBus } from "../events/event-bus";
import { KeyService } from "../keys/key-service";
import { vaultFromEnvironment } from "../keys/key-vault";

export interface Services {
  db: Db;
  keys: KeyService;
  audit: AuditService;
  events: EventBus;
}

const g = globalThis as unknown as { __qecnetServices?: Services };

export function services(): Services {
  if (!g.__qecnetServices) {
    const e = env();
    const db = prisma();
    const vault = vaultFromEnvironment(e.QECNET_MASTER_KEY, e.dataDir);
    const keys = new KeyService(db, vault);
    g.__qecnetServices = { db, keys, audit: new AuditService(db, keys.runner), events: new EventBus(e.DATABASE_URL!) };
  }
  return g.__qecnetServices;
}
