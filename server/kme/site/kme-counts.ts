/**
 * What a site's KME answered, counted by method, status and reason between two
 * heartbeats of its agent; the hub adds them to qecnet_etsi014_requests_total
 * (KEY-DELIVERY.md §5.3: 400s and 503s are counted, not audited). Nothing but
 * those four labels and a count; at most `limit` distinct rows are kept (the
 * rest fold into one `overflow` row), so a flood of odd requests cannot grow it.
 */
export interface KmeCount {
  method: string;
  endpoint: "status" | "enc_keys" | "dec_keys" | null;
  status: number;
  reason: string | null;
  n: number;
}

export class KmeCounts {
  private rows = new Map<string, KmeCount>();

  constructor(private readonly limit = 200) {}

  record(r: { method: string; endpoint: KmeCount["endpoint"]; status: number; reason: string | null }): void {
    let key = `${r.endpoint}\u0000${r.status}\u0000${r.reason}`;
    let row: KmeCount = { method: r.method.slice(0, 16), endpoint: r.endpoint, status: r.status, reason: r.reason?.slice(0, 64) ?? null, n: 0 };
    if (!this.rows.has(key) && this.rows.size >= this.limit) {
      key = "overflow";
      row = { method: "*", endpoint: null, status: r.status, reason: "overflow", n: 0 };
    }
    const have = this.rows.get(key) ?? row;
    have.n += 1;
    this.rows.set(key, have);
  }

  /** The counts since the last drain, forgotten here. */
  drain(): KmeCount[] {
    const out = [...this.rows.values()];
    this.rows = new Map();
    return out;
  }

  /** Counts a heartbeat could not deliver, kept for the next one. */
  restore(counts: readonly KmeCount[]): void {
    for (const c of counts) {
      const key = `${c.endpoint}\u0000${c.status}\u0000${c.reason}`;
      const have = this.rows.get(key);
      if (have) have.n += c.n;
      else if (this.rows.size < this.limit) this.rows.set(key, { ...c });
    }
  }
}
