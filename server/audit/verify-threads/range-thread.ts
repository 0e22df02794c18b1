/**
 * The one worker thread the chain verifier hands ranges to (range-worker.ts).
 *
 * It is started once per process, on first use or ahead of it by
 * warmRangeThread() (the console does that at start: loading the worker,
 * through tsx, takes a few hundred milliseconds that a verification should
 * not wait for), and kept: it holds nothing between jobs but its loaded code,
 * and it does not keep the process alive (unref'd while idle).
 *
 * The worker is loaded from the project's source by path (the process's
 * working directory is the project root for the console, the scripts and the
 * tests): Next.js bundles the server code, and a worker file it bundles has
 * had resolution bugs of its own (vercel/next.js#67063, #93427), while a file
 * outside the bundle is the same file everywhere. If it cannot start, the
 * verifier runs on one thread, as it did before, and says so.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ChainVerification } from "../../domain/audit/types";
import type { RangeAnswer, RangeJob } from "./range-job";

export const RANGE_WORKER_PATH = path.join("server", "audit", "verify-threads", "range-worker.ts");

interface RangeThread {
  worker: Worker;
  ready: Promise<void>;
  loaded: boolean;
  pending: Map<number, { resolve: (r: ChainVerification) => void; reject: (e: Error) => void }>;
}

const state = globalThis as unknown as { __qecnetRangeThread?: RangeThread | null; __qecnetRangeThreadBroken?: string | null; __qecnetRangeJobs?: number };

function startThread(): RangeThread {
  const file = path.join(process.cwd(), RANGE_WORKER_PATH);
  if (!existsSync(file)) throw new Error(`the verifier's worker is not at ${file} (the process does not run from the project root)`);
  // The worker registers tsx for itself: a thread does not inherit the module hooks of the process that made it.
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  const worker = new Worker(boot, { eval: true, name: "qecnet-chain-verifier" });
  const pending: RangeThread["pending"] = new Map();
  let onReady!: () => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  ready.catch(() => undefined);
  const thread: RangeThread = { worker, ready, pending, loaded: false };
  const fail = (err: Error) => {
    onFail(err);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    if (state.__qecnetRangeThread === thread) state.__qecnetRangeThread = null;
  };
  worker.on("message", (m: RangeAnswer | { ready: true }) => {
    if ("ready" in m) {
      thread.loaded = true;
      return onReady();
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if ("error" in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
  });
  worker.on("error", (err) => {
    state.__qecnetRangeThreadBroken = err.message;
    fail(err);
  });
  worker.on("exit", (code) => fail(new Error(`the verifier's worker thread exited (code ${code})`)));
  worker.unref();
  return thread;
}

function thread(): RangeThread | null {
  if (state.__qecnetRangeThreadBroken) return null;
  try {
    return (state.__qecnetRangeThread ??= startThread());
  } catch (err) {
    state.__qecnetRangeThreadBroken = err instanceof Error ? err.message : String(err);
    return null;
  }
}

/** Starts the worker thread now and resolves once it has loaded (or failed to: see rangeThreadStatus). */
export async function warmRangeThread(): Promise<boolean> {
  const t = thread();
  if (!t) return false;
  // Keep the process alive while it loads, so a script that only warms it still sees the answer.
  t.worker.ref();
  try {
    await t.ready;
    return true;
  } catch {
    return false;
  } finally {
    if (t.pending.size === 0) t.worker.unref();
  }
}

/** Why the worker thread is not available, or null if it is (or has not been tried yet). */
export function rangeThreadProblem(): string | null {
  return state.__qecnetRangeThreadBroken ?? null;
}

/**
 * For /api/ready (always ok: without the thread the verifier is slower, not wrong; the detail says which).
 */
export function rangeThreadStatus(): { ok: true; detail: string } {
  const problem = rangeThreadProblem();
  if (problem) return { ok: true, detail: `worker thread unavailable, long chains are verified on one thread: ${problem}` };
  const t = state.__qecnetRangeThread;
  if (!t) return { ok: true, detail: "worker thread not started yet" };
  return { ok: true, detail: t.loaded ? "worker thread loaded: long chains are verified on two threads" : "worker thread loading" };
}

/** Verifies one range in the worker thread; rejects if the thread is unavailable or the job failed. */
export async function runRangeJob(job: Omit<RangeJob, "id">): Promise<ChainVerification> {
  const t = thread();
  if (!t) throw new Error(`the verifier's worker thread is unavailable: ${rangeThreadProblem() ?? "unknown"}`);
  t.worker.ref();
  await t.ready;
  const id = (state.__qecnetRangeJobs = (state.__qecnetRangeJobs ?? 0) + 1);
  return new Promise<ChainVerification>((resolve, reject) => {
    t.pending.set(id, { resolve, reject });
    t.worker.postMessage({ ...job, id } satisfies RangeJob);
  });
}

/** Ends the worker thread (tests; a process exits without it). The next use starts a new one. */
export async function stopRangeThread(): Promise<void> {
  const t = state.__qecnetRangeThread;
  state.__qecnetRangeThread = null;
  if (t) await t.worker.terminate();
}
