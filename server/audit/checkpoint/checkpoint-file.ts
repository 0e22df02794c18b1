/**
 * The append-only copy of the checkpoints outside the database:
 * `<data>/audit-checkpoints.jsonl`, one published checkpoint per line, each
 * write fsynced. Rewriting the database does not rewrite this file, so a
 * verifier reading it catches a database that was rewritten after a checkpoint.
 */
import { appendFile, mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../../domain/audit/canonical-json";
import { parseCheckpoint, type PublishedCheckpoint } from "../../domain/audit/checkpoint-format";

export const CHECKPOINT_FILE_NAME = "audit-checkpoints.jsonl";

export function checkpointLine(c: PublishedCheckpoint): string {
  return canonicalJson({ ...c, consistency: c.consistency ? { fromSize: c.consistency.fromSize, proof: [...c.consistency.proof] } : null });
}

export class CheckpointFile {
  readonly path: string;
  constructor(dataDir: string) {
    this.path = join(dataDir, CHECKPOINT_FILE_NAME);
  }

  async append(checkpoints: readonly PublishedCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await mkdir(join(this.path, ".."), { recursive: true, mode: 0o700 });
    await appendFile(this.path, checkpoints.map((c) => `${checkpointLine(c)}\n`).join(""), { mode: 0o644, flag: "a" });
    const fh = await open(this.path, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** The last checkpoint in the file (reads only the file's tail), or null. */
  async last(): Promise<PublishedCheckpoint | null> {
    let fh;
    try {
      fh = await open(this.path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      const lines = buf.toString("utf8").split("\n").filter((l) => l.trim());
      const lastLine = lines[lines.length - 1];
      if (!lastLine) return null;
      const parsed = parseCheckpoint(JSON.parse(lastLine));
      return parsed.ok ? parsed.checkpoint : null;
    } catch {
      return null;
    } finally {
      await fh.close();
    }
  }

  /** The checkpoints in the file; lines that are not checkpoints are reported, not thrown. */
  async read(): Promise<{ checkpoints: PublishedCheckpoint[]; badLines: number[] }> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { checkpoints: [], badLines: [] };
      throw err;
    }
    const checkpoints: PublishedCheckpoint[] = [];
    const badLines: number[] = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const parsed = parseCheckpoint(JSON.parse(line));
        if (parsed.ok) checkpoints.push(parsed.checkpoint);
        else badLines.push(i + 1);
      } catch {
        badLines.push(i + 1);
      }
    });
    return { checkpoints, badLines };
  }
}
