/**
 * Crash-safe file writes for the agent's store: write a temporary file, fsync
 * it, rename it over the target, fsync the folder. A SIGKILL at any point
 * leaves either the old file or the new one, never a torn record.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, existsSync, fstatSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export const TMP_SUFFIX = ".tmp";

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces `path` with `data` (mode 0600). */
export function writeDurably(path: string, data: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}${TMP_SUFFIX}`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Overwrites a file with zeros, fsyncs, deletes it and fsyncs its folder; false when it did not exist. */
export function eraseDurably(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
  fsyncDir(dirname(path));
  return true;
}
