/** Logs are JSON, carry request ids, and never contain key material whatever field it hides in. */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { REDACTED_FIELDS, createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  return { log: createLogger({ level: "info", destination }), lines };
}

const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

describe("structured logs", () => {
  it("writes one JSON object per line with level, time and the request id", () => {
    const { log, lines } = capture();
    log.child({ requestId: "req-1" }).info({ path: "keys.list" }, "request done");
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: "info", requestId: "req-1", path: "keys.list", msg: "request done", service: "qecnet-console" });
    expect(typeof line.time).toBe("string");
  });

  it.each(REDACTED_FIELDS.map((f) => [f]))("censors %s at the top level and nested", (field) => {
    const { log, lines } = capture();
    log.info({ [field]: SECRET, job: { [field]: SECRET, inner: { [field]: SECRET } } }, "with secrets");
    expect(lines.join("\n")).not.toContain(SECRET);
    expect(lines.join("\n")).toContain("[redacted]");
  });

  it("censors inside arrays, in an error's own fields (still logged as an error), and in child bindings", () => {
    const { log, lines } = capture();
    log.info({ keys: [{ key: SECRET }, { keyId: "k-2" }] }, "array");
    const err = Object.assign(new Error("boom"), { material: SECRET });
    log.error({ err }, "failed");
    log.child({ ctx: { token: SECRET }, requestId: "req-2" }).info({ ok: true }, "bound");
    log.child({ requestId: "req-3" }).child({ deeper: { inner: { secret: SECRET } } }).info("grandchild");
    const out = lines.join("\n");
    expect(out).not.toContain(SECRET);
    expect(lines).toHaveLength(4);
    const [arr, failed, bound] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(arr).toMatchObject({ keys: [{ key: "[redacted]" }, { keyId: "k-2" }] });
    expect(failed).toMatchObject({ err: { type: "Error", message: "boom", material: "[redacted]" } });
    expect(String((failed!.err as { stack: string }).stack)).toMatch(/^Error: boom/);
    expect(bound).toMatchObject({ ctx: { token: "[redacted]" }, requestId: "req-2", ok: true });
    expect(JSON.parse(lines[3]!)).toMatchObject({ requestId: "req-3", deeper: { inner: { secret: "[redacted]" } }, msg: "grandchild" });
  });

  it("leaves the caller's objects as they were, and does not walk buffers", () => {
    const { log, lines } = capture();
    const job = { key: SECRET, inner: { seed: SECRET } };
    const record = { job, payload: Buffer.from("abc") };
    log.info(record, "unchanged");
    expect(record.job).toBe(job);
    expect(job).toEqual({ key: SECRET, inner: { seed: SECRET } });
    expect(lines[0]).not.toContain(SECRET);
    expect(JSON.parse(lines[0]!)).toMatchObject({ job: { key: "[redacted]", inner: { seed: "[redacted]" } }, payload: { type: "Buffer" } });
  });

  it("keeps ordinary fields (the list is not censoring everything)", () => {
    const { log, lines } = capture();
    log.info({ keyId: "k-1", fingerprint: "ab12" }, "ok");
    expect(JSON.parse(lines[0]!)).toMatchObject({ keyId: "k-1", fingerprint: "ab12" });
  });
});
