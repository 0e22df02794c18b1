/** Small building blocks for integration tests: nodes, a vault, a key service. */
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { createKeyVault } from "../keys/key-vault";
import { masterKeyId } from "../keys/material";
import { KeyService } from "../keys/key-service";
import type { RunnerHooks } from "../keys/transition-runner";
import { AuditService } from "../audit/audit-service";
import { EventBus } from "../events/event-bus";
import type { Services } from "../runtime/services";

export const ACTOR = { actor: "test-operator" };

export async function createNodes(db: Db, ids: string[] = ["hub-1", "node-a", "node-b", "node-c"]): Promise<string[]> {
  await db.node.createMany({
    data: ids.map((id, i) => ({ id, name: id.toUpperCase(), role: i === 0 ? "HUB" : "ENDPOINT", site: `Site ${i}`, x: i * 100, y: 0 })),
    skipDuplicates: true,
  });
  return ids;
}

export function testVault(masterKey: Buffer = randomBytes(32)) {
  return createKeyVault(masterKey, masterKeyId(masterKey));
}

export function testKeyService(db: Db, opts: { clock?: () => Date; hooks?: RunnerHooks; masterKey?: Buffer } = {}) {
  return new KeyService(db, testVault(opts.masterKey), opts);
}

/** Every service of a server process, on a test database (the event bus is not started). */
export function testServices(db: Db, url: string, opts: { clock?: () => Date; hooks?: RunnerHooks; masterKey?: Buffer } = {}): Services {
  const keys = testKeyService(db, opts);
  return { db, keys, audit: new AuditService(db, keys.runner), events: new EventBus(url) };
}
