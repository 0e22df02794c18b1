/**
 * The agent's pad ledgers on disk (issue 18): `<dataDir>/pads.json`, the
 * delivered count and used ranges of each of its stream ends, written
 * durably (durable-file.ts) after every relay or delivery and before the
 * answer, so a restart, even a SIGKILL, never uses a pad byte twice. Holds no
 * pad bytes: they are derived again from the channel seed at start.
 * PadLedgerFile writes them off the event loop, one write for every use made
 * while the previous one ran.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PadStreams, type PadSnapshot } from "../../quantum-channel/pad-streams";
import { Coalesced, FolderSync, writeDurablyAsync } from "./durable-file";

const padsPath = (dataDir: string) => join(dataDir, "pads.json");

export function loadPadStreams(dataDir: string, nodeId: string, channelSeed: Uint8Array): PadStreams {
  const path = padsPath(dataDir);
  const snapshot = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as PadSnapshot) : undefined;
  if (snapshot && snapshot.v !== 1) throw new Error(`${path}: unknown pad ledger version ${String(snapshot.v)}`);
  return new PadStreams(nodeId, channelSeed, snapshot);
}

/**
 * The pad ledgers' durable writes without holding the event loop on the disk (the synchronous write, fsyncs
 * included, ran for every relay and delivery): `save()` resolves once a write begun after the call is durable, so it
 * holds every pad use made before the call; calls made while a write runs share the next one. Answer only after it.
 */
export class PadLedgerFile {
  private readonly writes: Coalesced;

  constructor(dataDir: string, pads: PadStreams) {
    const folder = new FolderSync(dataDir);
    this.writes = new Coalesced(() => writeDurablyAsync(padsPath(dataDir), JSON.stringify(pads.snapshot()), folder));
  }

  save(): Promise<void> {
    return this.writes.next();
  }
}
