/**
 * SIEM forwarding against real local receivers: JSON lines over TCP and RFC
 * 5424 syslog over UDP and TCP; every committed entry arrives once, in order,
 * across a forwarder restart and a receiver outage.
 */
import { createSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ACTOR, createNodes, testKeyService } from "../../testing/fixtures";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import type { KeyService } from "../../keys/key-service";
import { SiemForwarder, parseForwardUrl } from "./siem-forwarder";

let t: TestDatabase;
let keys: KeyService;

async function grow(n: number) {
  for (let i = 0; i < n; i++) await keys.create({ label: `f-${i}`, purpose: "forward", policy: "standard", participants: ["node-a"] }, ACTOR);
}
const head = async () => Number((await t.db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq);

function tcpReceiver(port = 0): Promise<{ server: Server; port: number; data: () => string }> {
  let buf = "";
  const server = createServer((s) => s.on("data", (d) => (buf += d.toString())));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, data: () => buf })));
}
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

beforeAll(async () => {
  t = await createTestDatabase(inject("adminUrl"), "forward");
  await createNodes(t.db);
  keys = testKeyService(t.db);
  await grow(5);
});
afterAll(async () => t?.dispose());

describe("SIEM forwarder", () => {
  it("JSON lines over TCP: all entries once, in order, across a restart and an outage of the receiver", async () => {
    const rx = await tcpReceiver();
    const url = `tcp://127.0.0.1:${rx.port}`;
    const first = new SiemForwarder(t.db, parseForwardUrl(url));
    expect(await first.drain()).toBe(await head());
    first.close();
    await grow(3);
    const second = new SiemForwarder(t.db, parseForwardUrl(url)); // a restart: the cursor is in the database
    expect(await second.drain()).toBe(3);
    await until(() => rx.data().split("\n").filter(Boolean).length === 8);
    second.close();
    await new Promise<void>((r) => rx.server.close(() => r()));

    await grow(2);
    const third = new SiemForwarder(t.db, parseForwardUrl(url));
    await expect(third.drain()).rejects.toThrow(/ECONNREFUSED/); // receiver down: nothing marked as sent
    const rx2 = await tcpReceiver(rx.port);
    expect(await third.drain()).toBe(2);
    await until(() => rx2.data().split("\n").filter(Boolean).length === 2);
    third.close();
    await new Promise<void>((r) => rx2.server.close(() => r()));

    const seqs = [...rx.data().split("\n"), ...rx2.data().split("\n")].filter(Boolean).map((l) => Number((JSON.parse(l) as { seq: string }).seq));
    expect(seqs).toEqual(Array.from({ length: await head() }, (_, i) => i + 1));
    const line = JSON.parse(rx.data().split("\n")[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ seq: "1", source: "qecnet-audit", action: "KEY_GENERATED" });
    expect(line).toHaveProperty("entryHash");
  });

  it("RFC 5424 over UDP and over TCP with octet counting", async () => {
    const udp = createSocket("udp4");
    const got: string[] = [];
    udp.on("message", (m) => got.push(m.toString()));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const fwd = new SiemForwarder(t.db, parseForwardUrl(`syslog+udp://127.0.0.1:${udp.address().port}`));
    const n = await fwd.drain();
    await until(() => got.length === n);
    fwd.close();
    udp.close();
    expect(got).toHaveLength(await head());
    expect(got[0]).toMatch(/^<110>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ qecnet \d+ KEY_GENERATED \[qecnet@32473 seq="1" entryHash="[0-9a-f]{64}" subject="key:[^"]+"\] \{.*"seq":"1".*\}$/);

    const rx = await tcpReceiver();
    const tcp = new SiemForwarder(t.db, parseForwardUrl(`syslog+tcp://127.0.0.1:${rx.port}`));
    await tcp.drain();
    await until(() => (rx.data().match(/<11\d>1 /g) ?? []).length === n);
    tcp.close();
    await new Promise<void>((r) => rx.server.close(() => r()));
    const frame = /^(\d+) /.exec(rx.data())!;
    const len = Number(frame[1]);
    expect(Buffer.from(rx.data()).subarray(frame[0].length, frame[0].length + len).toString()).toMatch(/^<110>1 .*\}$/);
  });

  it("refuses a malformed target", () => {
    expect(() => parseForwardUrl("http://siem:514")).toThrow(/tcp:\/\/host:port/);
  });
});
