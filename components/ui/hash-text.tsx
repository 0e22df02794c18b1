/**
 * A hash or fingerprint shortened in the middle, on one line; an algorithm
 * prefix ("SHA256:") is kept and dimmed. The whole value is in the tooltip and
 * for screen readers.
 */
import { truncateMiddle } from "./format";

interface Props {
  value: string;
  head?: number;
  tail?: number;
  /** Hide the "SHA256:" prefix where every value has it (tables). */
  hidePrefix?: boolean;
  className?: string;
}

export function HashText({ value, head, tail, hidePrefix = false, className = "" }: Props) {
  const m = /^([A-Z0-9-]+:)(.+)$/.exec(value);
  const prefix = m?.[1] ?? "";
  const body = m?.[2] ?? value;
  return (
    <span title={value} className={`whitespace-nowrap font-mono ${className}`}>
      <span aria-hidden="true">
        {prefix && !hidePrefix ? <span className="text-slate-400">{prefix}</span> : null}
        {truncateMiddle(body, head, tail)}
      </span>
      <span className="sr-only">{value}</span>
    </span>
  );
}
