/**
 * CPU spent by a bench phase, on both sides of the wire: this Node process
 * (process.cpuUsage) and the PostgreSQL backends serving the bench database
 * (utime + stime from /proc/<pid>/stat of every backend pg_stat_activity
 * lists for it). Dividing by the phase's transitions shows how far a figure
 * is from what two shared cores can give. PostgreSQL's own background
 * processes (WAL writer, checkpointer) serve every database on the server,
 * so they are left out; so is a backend that closes during the phase.
 * Where /proc cannot be read (a server on another host) the PostgreSQL side
 * is null.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import pg from "pg";

export interface PhaseCpu {
  /** Microseconds of CPU in this Node process (user + system). */
  nodeMicros: number;
  /** Microseconds of CPU in the bench database's backends, or null if /proc could not be read. */
  pgMicros: number | null;
  backends: number;
  /** Microseconds of CPU in the other processes named to begin() (null for one that could not be read). */
  others: Record<string, number | null>;
}

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process in clock ticks, or null (gone, or not on this host). */
function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

/** Two phases' CPU added up (a figure either could not read stays null). */
export function addPhaseCpu(a: PhaseCpu, b: PhaseCpu): PhaseCpu {
  const others: Record<string, number | null> = {};
  for (const name of new Set([...Object.keys(a.others), ...Object.keys(b.others)])) {
    const x = a.others[name];
    const y = b.others[name];
    others[name] = x == null || y == null ? null : x + y;
  }
  return {
    nodeMicros: a.nodeMicros + b.nodeMicros,
    pgMicros: a.pgMicros === null || b.pgMicros === null ? null : a.pgMicros + b.pgMicros,
    backends: Math.max(a.backends, b.backends),
    others,
  };
}

export class CpuMeter {
  private readonly ticks = clockTicksPerSecond();
  private constructor(private readonly client: pg.Client) {}

  /** A meter for the backends of the database `url` names (its own connection is not counted). */
  static async open(url: string): Promise<CpuMeter> {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    await client.connect();
    return new CpuMeter(client);
  }

  private async backends(): Promise<Map<number, number | null>> {
    const { rows } = await this.client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    );
    return new Map(rows.map((r) => [r.pid, processTicks(r.pid)]));
  }

  /**
   * Starts a phase; the returned function ends it and gives the CPU both sides spent meanwhile, and each process of
   * `others` (name → pid: agent processes, a clients' process on this host).
   */
  async begin(others: ReadonlyMap<string, number> = new Map()): Promise<() => Promise<PhaseCpu>> {
    const before = await this.backends();
    const others0 = new Map([...others].map(([name, pid]) => [name, processTicks(pid)]));
    const node0 = process.cpuUsage();
    return async () => {
      const node = process.cpuUsage(node0);
      const othersMicros: Record<string, number | null> = {};
      for (const [name, pid] of others) {
        const t0 = others0.get(name);
        const t1 = processTicks(pid);
        othersMicros[name] = t0 === null || t0 === undefined || t1 === null ? null : ((t1 - t0) * 1e6) / this.ticks;
      }
      const after = await this.backends();
      let ticks = 0;
      let readable = true;
      for (const [pid, t] of after) {
        if (t === null) readable = false;
        // A backend that opened during the phase counts from its start.
        else ticks += t - (before.get(pid) ?? 0);
      }
      return {
        nodeMicros: node.user + node.system,
        pgMicros: readable && after.size > 0 ? (ticks * 1e6) / this.ticks : null,
        backends: after.size,
        others: othersMicros,
      };
    };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
