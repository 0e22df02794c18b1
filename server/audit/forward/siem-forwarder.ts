/**
 * Forwards audit entries to a SIEM as they are committed, polling the chain by
 * seq (only committed entries exist in audit_entries; seq has no gaps).
 *
 * Delivery: each batch is sent while the forwarder's cursor row is locked
 * (SELECT … FOR UPDATE SKIP LOCKED, so with several server instances exactly
 * one forwards a given batch), and the cursor moves in the same transaction
 * once the transport accepted the batch. Nothing is lost across restarts; a
 * crash after sending and before COMMIT re-sends that one batch (at most
 * BATCH entries) — receivers dedupe by seq. Over UDP the network may drop
 * datagrams, as UDP syslog always may.
 */
import { systemClock, type Clock } from "../../time/clock";
import { createSocket } from "node:dgram";
import { hostname } from "node:os";
import { connect, type Socket } from "node:net";
import type { Logger } from "pino";
import { poolOf, type Db } from "../../db/client";
import { startPeriodicDuty } from "../../background/periodic-duty";
import { readEntryPages } from "../checkpoint/merkle-store";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { jsonLine, octetFrame, syslogMessage } from "./siem-format";

export const FORWARD_BATCH = 500;

export interface ForwardTarget {
  protocol: "tcp" | "syslog+tcp" | "syslog+udp";
  host: string;
  port: number;
}

export function parseForwardUrl(url: string): ForwardTarget {
  const m = /^(tcp|syslog\+tcp|syslog\+udp):\/\/([^/:]+):(\d{1,5})$/.exec(url);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) throw new Error("QECNET_AUDIT_FORWARD must be tcp://host:port, syslog+tcp://host:port or syslog+udp://host:port");
  return { protocol: m[1] as ForwardTarget["protocol"], host: m[2]!, port: Number(m[3]) };
}

interface Transport {
  send(entries: readonly AuditEntryRecord[]): Promise<void>;
  close(): void;
}

function tcpTransport(t: ForwardTarget, format: (e: AuditEntryRecord) => string): Transport {
  let socket: Socket | null = null;
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: t.host, port: t.port });
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
  return {
    async send(entries) {
      if (!socket || socket.destroyed) {
        socket = await open();
        socket.on("error", () => socket?.destroy());
        socket.on("close", () => (socket = null));
      }
      const s = socket;
      await new Promise<void>((resolve, reject) => s.write(entries.map(format).join(""), (err) => (err ? reject(err) : resolve())));
    },
    close: () => socket?.end(),
  };
}

function udpTransport(t: ForwardTarget): Transport {
  const sock = createSocket(t.host.includes(":") ? "udp6" : "udp4");
  const host = hostname();
  return {
    async send(entries) {
      for (const e of entries) {
        await new Promise<void>((resolve, reject) => sock.send(syslogMessage(e, host, process.pid), t.port, t.host, (err) => (err ? reject(err) : resolve())));
      }
    },
    close: () => sock.close(),
  };
}

export class SiemForwarder {
  readonly name: string;
  private readonly transport: Transport;
  lastError: string | null = null;
  lastSeq: bigint | null = null;
  lastSuccessAt: Date | null = null;

  constructor(private readonly db: Db, readonly target: ForwardTarget, private readonly clock: Clock = systemClock) {
    this.name = `siem:${target.protocol}://${target.host}:${target.port}`;
    const host = hostname();
    this.transport = target.protocol === "syslog+udp"
      ? udpTransport(target)
      : tcpTransport(target, target.protocol === "tcp" ? jsonLine : (e) => octetFrame(syslogMessage(e, host, process.pid)));
  }

  /** Sends the next batch, if any; returns how many entries went out (0: nothing new, or another instance holds the cursor). */
  async forwardOnce(): Promise<number> {
    const client = await poolOf(this.db).connect();
    try {
      await client.query("BEGIN");
      await client.query("INSERT INTO audit_forward_cursors (name, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING", [this.name]);
      const row = (await client.query<{ seq: string }>("SELECT seq FROM audit_forward_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED", [this.name])).rows[0];
      if (!row) {
        await client.query("ROLLBACK");
        return 0;
      }
      const from = BigInt(row.seq);
      const head = BigInt((await client.query<{ seq: string }>("SELECT seq FROM audit_head WHERE id = 1")).rows[0]?.seq ?? "0");
      const to = head < from + BigInt(FORWARD_BATCH) ? head : from + BigInt(FORWARD_BATCH);
      const batch: AuditEntryRecord[] = [];
      for await (const page of readEntryPages(client, from, to, FORWARD_BATCH)) batch.push(...page);
      if (batch.length === 0) {
        await client.query("COMMIT");
        this.lastSeq = from;
        return 0;
      }
      await this.transport.send(batch);
      const last = batch[batch.length - 1]!.seq;
      await client.query("UPDATE audit_forward_cursors SET seq = $2, updated_at = now() WHERE name = $1", [this.name, last.toString()]);
      await client.query("COMMIT");
      this.lastSeq = last;
      return batch.length;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Forwards until caught up. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.forwardOnce();
      total += n;
      if (n < FORWARD_BATCH) return total;
    }
  }

  start(intervalMs: number, log: Logger): () => void {
    const stop = startPeriodicDuty({
      name: "audit-forwarder",
      everyMs: intervalMs,
      clock: this.clock,
      log,
      failure: "audit forwarding failed; retrying",
      round: async () => {
        try {
          const n = await this.drain();
          this.lastError = null;
          this.lastSuccessAt = this.clock();
          if (n) log.debug({ forwarder: this.name, entries: n, upTo: this.lastSeq?.toString() }, "audit entries forwarded");
        } catch (err) {
          this.lastError = (err as Error).message;
          throw err;
        }
      },
      status: () => ({
        ok: this.lastError === null,
        detail: this.lastError ? `cannot deliver to ${this.name}: ${this.lastError}` : `delivered up to #${this.lastSeq ?? 0} to ${this.name}`,
        lastSuccessAt: this.lastSuccessAt,
      }),
    });
    return () => {
      stop();
      this.transport.close();
    };
  }

  close(): void {
    this.transport.close();
  }
}
