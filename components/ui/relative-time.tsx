"use client";
/** "4 min ago", with the exact time as a tooltip and in the machine-readable attribute. */
import { formatDateTime, formatRelative } from "./format";
import { useNow } from "./use-now";

export function RelativeTime({ date, className = "" }: { date: Date; className?: string }) {
  const now = useNow();
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)} className={className}>
      {formatRelative(date, now)}
    </time>
  );
}
