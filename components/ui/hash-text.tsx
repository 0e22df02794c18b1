/** A hash or fingerprint shortened in the middle; the whole value is in the tooltip and for screen readers. */
import { truncateMiddle } from "./format";

export function HashText({ value, head, tail, className = "" }: { value: string; head?: number; tail?: number; className?: string }) {
  return (
    <span title={value} className={`font-mono ${className}`}>
      <span aria-hidden="true">{truncateMiddle(value, head, tail)}</span>
      <span className="sr-only">{value}</span>
    </span>
  );
}
