/**
 * Crash-safe file writes for the agent's store: write a temporary file, fsync
 * it, rename it over the target, fsync the folder. A SIGKILL at any point
 * leaves either the old file or the new one, never a torn record. The
 * asynchronous form lets concurrent deliveries share the folder's fsync (group
 * commit, FolderSync): each record's own fsync runs in the thread pool, at
 * once with the others, and one folder fsync covers every rename before it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, existsSync, fstatSync } from "node:fs";
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

/**
 * One folder's fsync, shared: a caller that arrives while one runs waits for the next, which covers its rename
 * too (a rename done before an fsync started is made durable by it; one done during it may not be).
 */
export class FolderSync {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  /** Resolves once every rename in the folder that happened before this call is durable. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = (async () => {
        const fd = openSync(this.dir, "r");
        try {
          await fsyncAsync(fd);
        } finally {
          closeSync(fd);
        }
      })().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.sync();
    });
    return this.queued;
  }
}

/** fsync in the thread pool. */
function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * writeDurably without waiting for the disk in the event loop: the record's fsync in the thread pool, the folder's
 * through `folder` (shared). Open, write, close and rename stay synchronous: they only touch the page cache, and
 * each thread-pool round trip costs a wake-up, which is what a loaded machine is slow to give.
 */
export async function writeDurablyAsync(path: string, data: string | Buffer, folder: FolderSync): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}${TMP_SUFFIX}`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  await folder.sync();
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
