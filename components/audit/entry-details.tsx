/**
 * The details object of an audit entry as a readable list: the reason first
 * and prominent, key ids as links, node lists joined, anything else as text.
 */
import Link from "next/link";
import type { JsonValue } from "@/server/domain/audit/types";
import { formatCount } from "@/components/ui/format";

const KEY_ID_FIELDS = new Set(["successorId", "predecessorId", "retryOf"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fieldName(k: string): string {
  const spaced = k.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function Value({ field, value }: { field: string; value: JsonValue }) {
  if (value === null) return <span className="text-slate-400">none</span>;
  if (typeof value === "string") {
    if (KEY_ID_FIELDS.has(field) && UUID.test(value)) {
      return <Link href={`/keys/${value}`} className="font-mono text-sky-300 underline underline-offset-4 hover:text-sky-200">{value}</Link>;
    }
    return <span className={/^[0-9a-f]{32,}$/.test(value) ? "break-all font-mono" : ""}>{value}</span>;
  }
  if (typeof value === "number") return <span className="tabular-nums">{formatCount(value)}</span>;
  if (typeof value === "boolean") return <span>{value ? "yes" : "no"}</span>;
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) {
    return <span className="font-mono">{value.join(", ") || "none"}</span>;
  }
  return <code className="break-all font-mono text-sm">{JSON.stringify(value)}</code>;
}

export function EntryDetails({ details, omit = [] }: { details: JsonValue; omit?: readonly string[] }) {
  if (details === null || typeof details !== "object" || Array.isArray(details)) {
    return <Value field="" value={details} />;
  }
  const { reason, ...rest } = details;
  const entries = Object.entries(rest).filter(([k, v]) => !omit.includes(k) && v !== undefined);
  return (
    <div className="flex flex-col gap-1.5" data-testid="entry-details">
      {typeof reason === "string" ? (
        <p className="text-base text-amber-100">
          <span className="font-semibold text-amber-300">Reason: </span>
          {reason}
        </p>
      ) : null}
      {entries.length > 0 ? (
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 text-sm">
          {entries.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-slate-400">{fieldName(k)}</dt>
              <dd className="min-w-0 text-slate-200"><Value field={k} value={v as JsonValue} /></dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}
