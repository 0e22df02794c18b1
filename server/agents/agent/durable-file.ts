/**
 * Crash-safe file writes for the agent's store: write a temporary file, fsync
 * it, rename it over the target, fsync the folder. A SIGKILL at any point
 * leaves either the old file or the new one, never a torn record. The
 * asynchronous form lets concurrent deliveries share the folder's fsync (group
 * commit, FolderSync): each record's own fsync runs in the thread pool, at
 * once with the others, and one folder fsync covers every rename before it.
 */
import { randomBytes } from "node:crypto";
import { close, closeSync, fsync, fsyncSync, open, openSync, rename, renameSync, unlink, unlinkSync, writeSync, existsSync, fstatSync } from "node:fs";
import { promisify } from "node:util";
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
 * An operation run one at a time, shared: a caller that arrives while it runs gets the next run, which starts once
 * that one ends and so sees everything the caller did before asking. `run` reads what it writes synchronously, before
 * its first await.
 */
export class Coalesced {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly run: () => Promise<void>) {}

  /** Whether a run is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Resolves once a run begun after this call has ended: the one under way if none is, otherwise the next, which
   * every caller arriving meanwhile shares. That next run may have been begun by another caller once the current one
   * ended; it began after every caller waiting here, so they share it too (asking again would put them behind runs
   * begun later still, and under steady load a caller would wait many runs instead of at most two).
   */
  next(): Promise<void> {
    if (!this.running) return this.start();
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.running ?? this.start();
    });
    return this.queued;
  }

  private start(): Promise<void> {
    const run = this.run().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }
}

/**
 * One folder's fsync, shared: a caller that arrives while one runs waits for the next, which covers its rename
 * too (a rename done before an fsync started is made durable by it; one done during it may not be).
 */
export class FolderSync {
  private readonly fsyncs: Coalesced;

  constructor(dir: string) {
    this.fsyncs = new Coalesced(async () => {
      const fd = await openAsync(dir, "r");
      try {
        await fsyncAsync(fd);
      } finally {
        await closeAsync(fd);
      }
    });
  }

  /** Resolves once every rename in the folder that happened before this call is durable. */
  sync(): Promise<void> {
    return this.fsyncs.next();
  }
}

/** fsync in the thread pool. */
function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

const openAsync = promisify(open);
const closeAsync = promisify(close);
const renameAsync = promisify(rename);
const unlinkAsync = promisify(unlink);

/**
 * writeDurably without waiting for the disk in the event loop: open, fsync, close and rename in the thread pool, the
 * folder's fsync through `folder` (shared); only the write of the bytes (page cache) stays synchronous. Opening and
 * renaming are not page-cache-only: on a busy disk they wait for the file system's journal, and done synchronously
 * they held a KME agent's event loop for about 2.6 s of a one-minute bench:kme run (CPU profile).
 */
export async function writeDurablyAsync(path: string, data: string | Buffer, folder: FolderSync): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}${TMP_SUFFIX}`);
  const fd = await openAsync(tmp, "wx", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
  await renameAsync(tmp, path);
  await folder.sync();
}

/**
 * eraseDurably off the event loop: the file overwritten with zeros and fsynced in the thread pool, then deleted; the
 * caller makes the deletions durable with one `folder.sync()` for all of them. False when the file did not exist.
 */
export async function eraseAsync(path: string): Promise<boolean> {
  let fd: number;
  try {
    fd = await openAsync(path, "r+");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > 0) writeSync(fd, Buffer.alloc(size), 0, size, 0);
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
  await unlinkAsync(path);
  return true;
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
