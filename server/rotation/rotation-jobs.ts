/**
 * The durable rotation jobs on the job queue: driving a replacement's
 * distribution, completing a rotation when its overlap ends, destroying a key
 * when its retention ends, retrying a cancelled rotation after its backoff,
 * handling a trigger, and the every-minute sweep (pg-boss cron). Handlers are
 * idempotent: a job that finds its key already moved on does nothing.
 */
import type { JobQueue } from "../jobs/job-queue";
import { ROTATION_QUEUES, type RotationService } from "./rotation-service";
import { sweepRotations, type SweepOptions } from "./rotation-sweep";
import type { RotationTrigger, RotationTriggers } from "./rotation-triggers";

type KeyJob = { keyId: string };

export async function defineRotationJobs(queue: JobQueue, rot: RotationService, triggers: RotationTriggers, opts: { sweep?: SweepOptions; /** null: no scheduled sweep (and remove one a previous run stored). */ cron?: string | null } = {}): Promise<void> {
  // At most 5 distributions at a time per instance from this queue.
  await queue.define<KeyJob>({ name: ROTATION_QUEUES.drive, batchSize: 5, handler: (jobs) => Promise.all(jobs.map((j) => rot.drive(j.keyId))).then(() => undefined) });
  await queue.define<KeyJob>({ name: ROTATION_QUEUES.complete, batchSize: 20, handler: (jobs) => Promise.all(jobs.map((j) => rot.complete(j.keyId))).then(() => undefined) });
  await queue.define<KeyJob>({ name: ROTATION_QUEUES.destroy, batchSize: 20, handler: (jobs) => Promise.all(jobs.map((j) => rot.destroy(j.keyId))).then(() => undefined) });
  await queue.define<KeyJob>({ name: ROTATION_QUEUES.retry, batchSize: 5, handler: (jobs) => Promise.all(jobs.map((j) => rot.retry(j.keyId))).then(() => undefined) });
  await queue.define<RotationTrigger>({ name: ROTATION_QUEUES.trigger, handler: async (jobs) => {
    for (const t of jobs) await triggers.handle(t);
  } });
  // A sweep that overran its minute must not pile up behind itself: no retries, expires before the next one matters.
  await queue.define<object>({ name: ROTATION_QUEUES.sweep, retryLimit: 0, expireInSeconds: 600, handler: async () => {
    await sweepRotations(rot, opts.sweep);
  } });
  if (opts.cron === null) await queue.unschedule(ROTATION_QUEUES.sweep);
  else await queue.schedule(ROTATION_QUEUES.sweep, opts.cron ?? "* * * * *");
}
