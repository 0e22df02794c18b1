/**
 * Test child for the crash test of the usage journal: records uses of a few held keys in a loop, many at once
 * (recordUsesDurable, sharing syncs) with a small journal so snapshots happen too, and prints each total as soon as
 * its write is acknowledged, so the parent can SIGKILL it mid-flight and check that no acknowledged use was lost.
 * Never run outside tests.
 *   tsx usage-writer-child.ts <dataDir> <nodeId> <keyId>...
 */
import { systemClock } from "../../time/clock";
import { SealedStore } from "./sealed-store";

const [dataDir, nodeId, ...keyIds] = process.argv.slice(2);
if (!dataDir || !nodeId || keyIds.length === 0) {
  process.stderr.write("usage: usage-writer-child <dataDir> <nodeId> <keyId>...\n");
  process.exit(2);
}
const store = SealedStore.open({ dataDir, nodeId, clock: systemClock, usageLogMaxLines: 16 });
for (const id of keyIds) store.put(id, 256, Buffer.alloc(32, 7));
process.stdout.write("READY\n");
setTimeout(() => process.exit(4), 30_000).unref(); // never linger if the parent dies
const counts = new Map(keyIds.map((id) => [id, 0]));
async function loop(id: string): Promise<never> {
  for (;;) {
    const n = counts.get(id)! + 1;
    counts.set(id, n);
    await store.recordUsesDurable([{ keyId: id, times: 1 }]);
    process.stdout.write(`ACK ${id} ${n}\n`);
  }
}
for (const id of keyIds) for (let k = 0; k < 4; k++) void loop(id);
