/**
 * The scheduled rotation sweep (pg-boss cron "rotation-sweep", every minute),
 * and the safety net behind every durable rotation job:
 * - ACTIVE keys whose cryptoperiod has run out (activatedAt + cryptoperiod ≤ now) rotate,
 *   unless a failed rotation's backoff is still running;
 * - ROTATING keys whose replacement is ACTIVE and whose overlap has passed complete;
 * - ROTATING keys whose replacement nobody drives (GENERATED or DISTRIBUTED for
 *   longer than `orphanAfterMs`, e.g. after a restart) are driven; one waiting
 *   longer than `orphanWindowMs` (15 min) is left to operators, like the
 *   distributions resumeInterrupted leaves alone;
 * - RETIRED keys past retention are destroyed.
 * Bounded: at most `batch` keys per category per sweep, at most `parallel`
 * distributions at a time; each key is its own runner job, so many keys due at
 * once never make one giant transaction. Safe with two instances: the engine
 * refuses a second transition, and the refusal is skipped.
 */
import { poolOf } from "../db/client";
import { mapBounded } from "../background/bounded";
import { loadPolicies } from "../keys/key-policies";
import { isRaceRefusal, ROTATION_ACTOR, ROTATION_QUEUES, RETRY_SCHEDULED_ACTION, type RotationService } from "./rotation-service";

export interface SweepOptions {
  batch?: number;
  parallel?: number;
  /** A replacement GENERATED/DISTRIBUTED this long without progress counts as orphaned... */
  orphanAfterMs?: number;
  /** ...unless it has waited longer than this: such keys are the operators' (as in resumeInterrupted). */
  orphanWindowMs?: number;
}

export interface SweepReport {
  rotated: number;
  /** Cancelled rotations whose backoff ended (safety net behind the rotation-retry job). */
  retried: number;
  completed: number;
  driven: number;
  destroyed: number;
}

export async function sweepRotations(rot: RotationService, opts: SweepOptions = {}): Promise<SweepReport> {
  const batch = opts.batch ?? 100;
  const parallel = opts.parallel ?? 8;
  const orphanAfterMs = opts.orphanAfterMs ?? 2 * 60_000;
  const orphanWindowMs = opts.orphanWindowMs ?? 15 * 60_000;
  const now = rot.now();
  const pool = poolOf(rot.db);
  const policies = await loadPolicies(rot.db);
  const report: SweepReport = { rotated: 0, retried: 0, completed: 0, driven: 0, destroyed: 0 };
  const skipRaces = (p: Promise<unknown>) => p.catch((err: unknown) => {
    if (!isRaceRefusal(err)) throw err;
    return null;
  });

  const due: Array<{ id: string; reason: string }> = [];
  for (const p of policies) {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT k.id FROM keys k
        WHERE k.state = 'ACTIVE' AND k.policy = $1 AND k.activated_at <= $2::timestamptz - make_interval(secs => $3)
          AND NOT EXISTS (SELECT 1 FROM keys p WHERE p.id = k.predecessor_id AND p.state = 'ROTATING')
          AND NOT EXISTS (SELECT 1 FROM audit_entries a WHERE a.subject_type = 'key' AND a.subject_id = k.id::text
                AND a.action = $5 AND (a.details->>'retryAt')::timestamptz > $2::timestamptz)
        ORDER BY k.activated_at LIMIT $4`,
      [p.name, now, p.cryptoperiodSeconds, batch, RETRY_SCHEDULED_ACTION],
    );
    const reason = `scheduled: cryptoperiod of ${describePeriod(p.cryptoperiodSeconds)} reached`;
    due.push(...rows.map((r) => ({ id: r.id, reason })));
  }
  await mapBounded(due, parallel, async (k) => {
    const r = await skipRaces(rot.queue?.running
      ? rot.begin(k.id, k.reason, ROTATION_ACTOR).then((b) => rot.enqueueDrive(k.id, b.successorId))
      : rot.rotate(k.id, k.reason));
    if (r !== null) report.rotated++;
  });

  // Few keys ever have a cancelled rotation: start from those entries (indexed by action), not from every ACTIVE key.
  const { rows: backedOff } = await pool.query<{ id: string }>(
    `SELECT r.subject_id AS id FROM (
        SELECT DISTINCT ON (a.subject_id) a.subject_id, a.seq, (a.details->>'retryAt')::timestamptz AS retry_at
          FROM audit_entries a WHERE a.action = $2 AND a.subject_type = 'key' ORDER BY a.subject_id, a.seq DESC) r
      JOIN keys k ON k.id::text = r.subject_id
      WHERE k.state = 'ACTIVE' AND r.retry_at <= $1::timestamptz
        AND NOT EXISTS (SELECT 1 FROM audit_entries s WHERE s.subject_type = 'key' AND s.subject_id = r.subject_id
              AND s.action = 'KEY_ROTATION_STARTED' AND s.seq > r.seq)
      ORDER BY r.retry_at LIMIT $3`,
    [now, RETRY_SCHEDULED_ACTION, batch],
  );
  await mapBounded(backedOff, parallel, async (k) => {
    const r = rot.queue?.running
      ? await rot.queue.send(ROTATION_QUEUES.retry, { keyId: k.id }, { dedupeKey: `sweep-retry:${k.id}:${now.getTime()}` })
      : await skipRaces(rot.retry(k.id));
    if (r !== null) report.retried++;
  });

  for (const p of policies) {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT k.id FROM keys k JOIN keys s ON s.predecessor_id = k.id AND s.state = 'ACTIVE'
        WHERE k.state = 'ROTATING' AND k.policy = $1 AND s.activated_at <= $2::timestamptz - make_interval(secs => $3)
        ORDER BY s.activated_at LIMIT $4`,
      [p.name, now, p.overlapSeconds, batch],
    );
    await mapBounded(rows, parallel, async (k) => {
      if (await rot.complete(k.id)) report.completed++;
    });
  }

  const { rows: orphans } = await pool.query<{ id: string; successor_id: string }>(
    `SELECT k.id, s.id AS successor_id FROM keys k JOIN keys s ON s.predecessor_id = k.id
      WHERE k.state = 'ROTATING'
        AND ((s.state = 'GENERATED' AND s.generated_at <= $1::timestamptz - make_interval(secs => $2) AND s.generated_at > $1::timestamptz - make_interval(secs => $4))
          OR (s.state = 'DISTRIBUTED' AND s.distributed_at <= $1::timestamptz - make_interval(secs => $2) AND s.distributed_at > $1::timestamptz - make_interval(secs => $4)))
      ORDER BY k.rotating_at LIMIT $3`,
    [now, orphanAfterMs / 1000, batch, orphanWindowMs / 1000],
  );
  await mapBounded(orphans, parallel, async (k) => {
    if (rot.queue?.running) await rot.queue.send(ROTATION_QUEUES.drive, { keyId: k.id }, { dedupeKey: `orphan:${k.successor_id}` });
    else await skipRaces(rot.drive(k.id));
    report.driven++;
  });

  const { rows: expired } = await pool.query<{ id: string }>(
    `SELECT id FROM keys WHERE state = 'RETIRED' AND retired_at <= $1::timestamptz - make_interval(days => retention_days)
      ORDER BY retired_at LIMIT $2`,
    [now, batch],
  );
  await mapBounded(expired, parallel, async (k) => {
    if (await rot.destroy(k.id)) report.destroyed++;
  });
  return report;
}

function describePeriod(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "1 day" : `${seconds / 86_400} days`;
  if (seconds % 3_600 === 0) return seconds === 3_600 ? "1 hour" : `${seconds / 3_600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
