/**
 * The work a server process does on its own, started once when Next.js boots
 * (instrumentation.ts): the live event listener, the mesh simulation (only the
 * instance holding its leader lock ticks), and resuming distributions a
 * previous process left half-way.
 */
import { env } from "../config/env";
import { services } from "./services";

const g = globalThis as unknown as { __qecnetBackground?: Promise<void> };

export function startBackground(): Promise<void> {
  g.__qecnetBackground ??= (async () => {
    const s = services();
    const e = env();
    await s.events.start();
    if (e.QECNET_SIMULATION === "on") await s.simulator.start();
    // Not awaited: a long retry backoff must not hold up the server's start.
    void s.distribution.resumeInterrupted({ actor: "system:distribution" }).then(
      (reports) => {
        if (reports.length > 0) console.log(JSON.stringify({ level: "info", msg: "resumed interrupted distributions", count: reports.length }));
      },
      (err: unknown) => console.error(JSON.stringify({ level: "error", msg: "resuming interrupted distributions failed", error: (err as Error).name })),
    );
  })();
  return g.__qecnetBackground;
}
