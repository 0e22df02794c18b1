/**
 * Test child for the crash test of the sealed store: rewrites one record in a
 * loop, alternating two known materials, and prints READY after the first
 * write so the parent can SIGKILL it mid-loop. Never run outside tests.
 *   tsx store-writer-child.ts <dataDir> <nodeId> <keyId> <hexA> <hexB>
 */
import { systemClock } from "../../time/clock";
import { SealedStore } from "./sealed-store";

const [dataDir, nodeId, keyId, hexA, hexB] = process.argv.slice(2);
if (!dataDir || !nodeId || !keyId || !hexA || !hexB) {
  process.stderr.write("usage: store-writer-child <dataDir> <nodeId> <keyId> <hexA> <hexB>\n");
  process.exit(2);
}
const store = SealedStore.open({ dataDir, nodeId, clock: systemClock });
const materials = [Buffer.from(hexA, "hex"), Buffer.from(hexB, "hex")];
store.put(keyId, materials[0]!.length * 8, materials[0]!);
process.stdout.write("READY\n");
setTimeout(() => process.exit(4), 30_000).unref(); // never linger if the parent dies
for (let i = 1; ; i++) store.put(keyId, 256, materials[i % 2]!);
