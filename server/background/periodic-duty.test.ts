/**
 * The periodic-duty helper does what every background loop relies on: it runs
 * a round at start, reports to /api/ready (worker-status.ts) whether its last
 * round failed, logs a failure through pino once per run of failures, and
 * unregisters when stopped.
 */
import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../ops/logger";
import { startPeriodicDuty } from "./periodic-duty";
import { workerStatuses } from "./worker-status";

const HOUR = 3_600_000;
const at = new Date("2026-03-01T12:00:00Z");

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ destination }), lines };
}

const statusOf = (name: string) => workerStatuses().find((w) => w.name === name);
const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

describe("startPeriodicDuty", () => {
  it("runs a round at start and reports itself ready to /api/ready once it succeeded", async () => {
    const { log } = capturedLogger();
    const round = vi.fn(async () => undefined);
    stops.push(startPeriodicDuty({ name: "test-duty-ok", everyMs: HOUR, round, log, clock: () => at, healthy: "all done" }));
    await vi.waitFor(() => expect(statusOf("test-duty-ok")).toMatchObject({ ok: true, detail: "all done", lastSuccessAt: at }));
    expect(round).toHaveBeenCalledTimes(1);
  });

  it("a failed round makes it not ready, naming the error, and is logged through pino", async () => {
    const { log, lines } = capturedLogger();
    stops.push(startPeriodicDuty({
      name: "test-duty-failing", everyMs: HOUR, log, clock: () => at, failure: "test duty failed",
      round: () => Promise.reject(new Error("database unreachable")),
    }));
    await vi.waitFor(() => expect(statusOf("test-duty-failing")).toMatchObject({ ok: false, detail: "last round failed: database unreachable" }));
    expect(lines).toEqual([expect.objectContaining({ level: "error", msg: "test duty failed", worker: "test-duty-failing", err: expect.objectContaining({ name: "Error", message: "database unreachable" }) })]);
  });

  it("waits for startAfter before its first round, and stopping it unregisters it", async () => {
    const { log } = capturedLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const round = vi.fn(async () => undefined);
    const stop = startPeriodicDuty({ name: "test-duty-gated", everyMs: HOUR, round, log, clock: () => at, startAfter: gate });
    expect(statusOf("test-duty-gated")).toMatchObject({ ok: true, detail: "starting (every 3600 s)" });
    await Promise.resolve();
    expect(round).not.toHaveBeenCalled();
    release();
    await vi.waitFor(() => expect(round).toHaveBeenCalledTimes(1));
    stop();
    expect(statusOf("test-duty-gated")).toBeUndefined();
  });
});
