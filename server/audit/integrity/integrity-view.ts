/**
 * What the console shows of the integrity monitor: its state and, in an
 * alarm, each break (kind, entry, one sentence) — the first ten, with the
 * count of the rest. No hashes or paths: enough to act on, for every role.
 */
import type { IntegrityStatus } from "./integrity-monitor";

export interface IntegrityView {
  state: IntegrityStatus["state"];
  alarm: string | null;
  breaks: Array<{ kind: string; seq: string | null; message: string }>;
  moreBreaks: number;
  checkedThrough: string;
  lastCompleteAt: Date | null;
}

export function integrityView(s: IntegrityStatus): IntegrityView {
  return {
    state: s.state,
    alarm: s.alarm,
    breaks: s.failures.slice(0, 10).map((f) => ({ kind: f.kind, seq: f.seq?.toString() ?? null, message: f.message })),
    moreBreaks: Math.max(0, s.failures.length - 10),
    checkedThrough: s.checkedThrough.toString(),
    lastCompleteAt: s.lastCompleteAt,
  };
}
