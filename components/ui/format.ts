/**
 * Formatting for the console: absolute times in the operator's locale with
 * seconds, relative times ("3 min ago"), counts with thousands separators
 * (bigints included), and middle-truncated hashes.
 */
const ABSOLUTE = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const COUNT = new Intl.NumberFormat();
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

export function formatDateTime(d: Date): string {
  return ABSOLUTE.format(d);
}

export function formatCount(n: number | bigint): string {
  return COUNT.format(n);
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60], ["minute", 60], ["hour", 24], ["day", 30], ["month", 12], ["year", Number.POSITIVE_INFINITY],
];

export function formatRelative(d: Date, now: number): string {
  let value = (d.getTime() - now) / 1000;
  if (Math.abs(value) < 5) return "just now";
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return RELATIVE.format(Math.round(value), unit);
    value /= size;
  }
  return formatDateTime(d);
}

/** "3f9a1c…e07b": enough of a hash to compare by eye, the whole of it in a title. */
export function truncateMiddle(s: string, head = 8, tail = 6): string {
  return s.length <= head + tail + 1 ? s : `${s.slice(0, head)}…${s.slice(-tail)}`;
}
