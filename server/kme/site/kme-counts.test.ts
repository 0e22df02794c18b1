import { describe, expect, it } from "vitest";
import { KmeCounts } from "./kme-counts";

describe("KME request counts between heartbeats", () => {
  it("counts by endpoint, status and reason, drains once, and takes back what a heartbeat failed to deliver", () => {
    const c = new KmeCounts();
    c.record({ method: "GET", endpoint: "enc_keys", status: 200, reason: null });
    c.record({ method: "POST", endpoint: "enc_keys", status: 200, reason: null });
    c.record({ method: "GET", endpoint: "dec_keys", status: 400, reason: "consumed" });
    const first = c.drain();
    expect(first).toEqual([
      { method: "GET", endpoint: "enc_keys", status: 200, reason: null, n: 2 },
      { method: "GET", endpoint: "dec_keys", status: 400, reason: "consumed", n: 1 },
    ]);
    expect(c.drain()).toEqual([]);
    c.record({ method: "GET", endpoint: "dec_keys", status: 400, reason: "consumed" });
    c.restore(first);
    expect(c.drain()).toEqual([
      { method: "GET", endpoint: "dec_keys", status: 400, reason: "consumed", n: 2 },
      { method: "GET", endpoint: "enc_keys", status: 200, reason: null, n: 2 },
    ]);
  });

  it("keeps at most its limit of rows: the rest fold into one overflow row", () => {
    const c = new KmeCounts(3);
    for (let i = 0; i < 10; i++) c.record({ method: "GET", endpoint: null, status: 404, reason: `r${i}` });
    const rows = c.drain();
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.reason === "overflow")).toMatchObject({ n: 7 });
  });
});
