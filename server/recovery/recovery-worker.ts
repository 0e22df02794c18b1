/**
 * The recovery engine's background duties in a server process: react to the
 * simulation's ticks (a link over the abort threshold opens an incident;
 * replacements waiting for a node to rejoin or for pads on their path go out
 * once they can), to live events
 * (a restored node, an officer's decision on a held recovery), sweep at start
 * for signals a crash may have swallowed, resume open incidents (at start and
 * every 30 s, for a drive an error stopped), and scan the
 * holders' integrity a few hundred keys at a time.
 */
import type { Logger } from "pino";
import { QBER_ABORT } from "../domain/mesh/link-physics";
import type { Db } from "../db/client";
import type { EventBus } from "../events/event-bus";
import type { KeyVault } from "../keys/key-vault";
import type { AgentDirectory } from "../agents/node-agent";
import type { MeshSimulator } from "../mesh/simulation/mesh-simulator";
import type { Clock } from "../time/clock";
import type { RecoveryService } from "./recovery-service";
import { startPeriodicDuty } from "../background/periodic-duty";
import { registerWorker } from "../background/worker-status";
import { IntegrityMonitor } from "./integrity-monitor";

/** What the worker watches and drives (the wiring passes its services). */
export interface RecoveryWorkerDeps {
  db: Db;
  recovery: RecoveryService;
  simulator: Pick<MeshSimulator, "onTick">;
  events: Pick<EventBus, "subscribe">;
  agents: AgentDirectory;
  keys: { clock: Clock; vault: KeyVault };
}

export function startRecoveryWorker(s: RecoveryWorkerDeps, log: Pick<Logger, "info" | "error">, opts: { integrityEveryMs?: number; integrityPerScan?: number; resumeEveryMs?: number } = {}): () => void {
  const r = s.recovery;
  let lastError: string | null = null;
  let lastSuccessAt: Date | null = null;
  const fail = (what: string) => (err: unknown) => {
    lastError = `${what}: ${(err as Error).message}`;
    log.error({ error: (err as Error).name, what }, "recovery duty failed");
  };
  const ok = () => {
    lastError = null;
    lastSuccessAt = s.keys.clock();
  };

  const stops: Array<() => void> = [];
  let distributing = false;
  stops.push(
    s.simulator.onTick((t) => {
      for (const c of t.crossings) {
        if (c.to === "compromised") void r.qberAbort(c.linkId, `QBER rose from ${c.from} to over the abort threshold (${QBER_ABORT * 100}%)`).then(ok, fail("QBER incident"));
      }
      // Replacements waiting for a node to come back or for pads on its path (pools fill every tick): look again.
      if (!distributing) {
        distributing = true;
        void r.distributeWaiting().then(ok, fail("waiting replacements")).finally(() => (distributing = false));
      }
    }),
  );
  stops.push(
    s.events.subscribe(["mesh", "approvals"], (e) => {
      for (const ev of e.events ?? []) {
        if (ev.type === "node-restored" || ev.type === "link-restored" || ev.type === "link-added") void r.distributeWaiting().then(ok, fail("waiting replacements"));
        if (ev.type === "approval-status" && typeof ev.data?.requestId === "string") {
          const requestId = ev.data.requestId;
          void s.db.incident.findMany({ where: { approvalRequestId: requestId, status: "AWAITING_APPROVAL" }, select: { id: true } })
            .then((rows) => Promise.all(rows.map((x) => r.drive(x.id))))
            .then(ok, fail("held incident"));
        }
      }
    }),
  );
  // Start-up: finish what a previous process left, then look for signals it may have lost.
  void r.resumeOpen()
    .then((n) => n > 0 && log.info({ count: n }, "resumed open incidents"))
    .then(() => r.sweepQber(QBER_ABORT))
    .then((opened) => opened.length > 0 && log.info({ count: opened.length }, "incidents opened by the start-up QBER sweep"))
    .then(ok, fail("resume"));

  /** Runs `task` every `ms`, never two at once (a slow run skips the next turn); reported in this worker's one readiness line. */
  const every = (ms: number, what: string, task: () => Promise<unknown>) => {
    stops.push(startPeriodicDuty({
      name: `compromise-recovery:${what}`, everyMs: ms, log, clock: s.keys.clock, delayFirst: true, registered: false,
      round: () => task().then(ok, fail(what)),
    }));
  };
  // Safety net: an incident whose drive stopped on an error (the database went away mid-step)
  // is carried on by the next sweep, not only at the next start. Each step re-checks under the lock.
  every(opts.resumeEveryMs ?? 30_000, "resume", () => r.resumeOpen());
  const monitor = new IntegrityMonitor(s.db, s.agents, r, s.keys.vault, { perScan: opts.integrityPerScan ?? 100 });
  every(opts.integrityEveryMs ?? 20_000, "integrity scan", () => monitor.scan());
  stops.push(registerWorker("compromise-recovery", () => ({
    ok: lastError === null,
    detail: lastError ?? "watching QBER, integrity and operator reports",
    lastSuccessAt,
  })));
  return () => stops.forEach((f) => f());
}
