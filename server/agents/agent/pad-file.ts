/**
 * The agent's pad ledgers on disk (issue 18): `<dataDir>/pads.json`, the
 * delivered count and used ranges of each of its stream ends, written
 * durably (durable-file.ts) after every relay or delivery and before the
 * answer, so a restart, even a SIGKILL, never uses a pad byte twice. Holds no
 * pad bytes: they are derived again from the channel seed at start.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PadStreams, type PadSnapshot } from "../../quantum-channel/pad-streams";
import { writeDurably } from "./durable-file";

const padsPath = (dataDir: string) => join(dataDir, "pads.json");

export function loadPadStreams(dataDir: string, nodeId: string, channelSeed: Uint8Array): PadStreams {
  const path = padsPath(dataDir);
  const snapshot = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as PadSnapshot) : undefined;
  if (snapshot && snapshot.v !== 1) throw new Error(`${path}: unknown pad ledger version ${String(snapshot.v)}`);
  return new PadStreams(nodeId, channelSeed, snapshot);
}

export function savePadStreams(dataDir: string, pads: PadStreams): void {
  writeDurably(padsPath(dataDir), JSON.stringify(pads.snapshot()));
}
