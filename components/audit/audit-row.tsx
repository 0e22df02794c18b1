"use client";
/**
 * One audit entry: sequence number, time, actor, action, subject (a link when
 * it is a key), state change and hash; the details open in a row below.
 */
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import type { AuditEntry } from "@/components/trpc/router-types";
import { StateTransition } from "@/components/keys/state-transition";
import { HashText } from "@/components/ui/hash-text";
import { RelativeTime } from "@/components/ui/relative-time";
import { ALARM_ACTIONS, actionLabel } from "./audit-action-labels";
import { EntryDetails } from "./entry-details";
import { InclusionCheck } from "./inclusion-check";

export const AUDIT_COLUMNS = ["Seq", "Time", "Actor", "Action", "Subject", "State", "Entry hash"] as const;

export function AuditRow({ entry, highlighted }: { entry: AuditEntry; highlighted: boolean }) {
  const [open, setOpen] = useState(highlighted);
  const ref = useRef<HTMLTableRowElement>(null);
  const seq = entry.seq.toString();
  const detailsId = `audit-details-${seq}`;
  const alarm = ALARM_ACTIONS.has(entry.action);

  useEffect(() => {
    if (highlighted) ref.current?.scrollIntoView({ block: "nearest" });
  }, [highlighted]);

  return (
    <>
      <tr
        ref={ref}
        data-testid="audit-row"
        data-seq={seq}
        data-action={entry.action}
        data-highlighted={highlighted ? "true" : undefined}
        aria-current={highlighted ? "true" : undefined}
        className={`border-t border-line align-top ${highlighted ? "qec-highlight outline-2 -outline-offset-2 outline-sky-400" : "hover:bg-panel-raised/60"}`}
      >
        <td className="px-2 py-2">
          <button
            type="button"
            data-testid="audit-details-toggle"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen((o) => !o)}
            title={open ? "Hide details" : "Show details"}
            className="inline-flex items-center gap-1.5 whitespace-nowrap rounded-md px-2 py-1 font-mono text-base font-semibold text-slate-100 hover:bg-panel-raised"
          >
            <span aria-hidden="true" className={`inline-block text-sky-300 transition-transform ${open ? "rotate-90" : ""}`}>▸</span>
            #{seq}
            <span className="sr-only">{open ? " hide details" : " show details"}</span>
          </button>
        </td>
        <td className="whitespace-nowrap px-3 py-3 text-slate-200"><RelativeTime date={entry.at} /></td>
        <td className="whitespace-nowrap px-3 py-3 font-mono text-sm text-slate-200">{entry.actor}</td>
        <td className="px-3 py-3">
          <div className={`font-semibold ${alarm ? "text-red-300" : "text-slate-100"}`}>{actionLabel(entry.action)}</div>
          <div className="font-mono text-xs text-slate-400">{entry.action}</div>
        </td>
        <td className="px-3 py-3">
          <div className="text-xs uppercase tracking-wider text-slate-400">{entry.subjectType}</div>
          {entry.subjectType === "key" ? (
            <Link href={`/keys/${entry.subjectId}`} data-testid="audit-subject-link" data-subject-id={entry.subjectId} className="text-sm text-sky-300 underline underline-offset-4 hover:decoration-2">
              <HashText value={entry.subjectId} head={8} tail={4} />
            </Link>
          ) : (
            <span className="block max-w-[14rem] truncate font-mono text-sm text-slate-200" title={entry.subjectId}>{entry.subjectId}</span>
          )}
        </td>
        <td className="px-3 py-3"><StateTransition from={entry.fromState} to={entry.toState} /></td>
        <td className="px-3 py-3 text-sm text-slate-300"><HashText value={entry.entryHash} head={8} tail={4} /></td>
      </tr>
      {open ? (
        <tr id={detailsId} data-testid="audit-row-details" className={highlighted ? "bg-sky-500/10" : "bg-canvas/60"}>
          <td colSpan={AUDIT_COLUMNS.length} className="px-4 pb-4 pt-1">
            <div className="flex flex-col gap-3 rounded-lg border border-line bg-panel px-3 py-3">
              <EntryDetails details={entry.details} />
              <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-0.5 text-sm">
                <dt className="text-slate-400">At</dt>
                <dd className="font-mono text-slate-200">{entry.at.toISOString()}</dd>
                <dt className="text-slate-400">Previous hash</dt>
                <dd className="break-all font-mono text-slate-200">{entry.prevHash}</dd>
                <dt className="text-slate-400">Entry hash</dt>
                <dd className="break-all font-mono text-slate-200">{entry.entryHash}</dd>
              </dl>
              <InclusionCheck entry={entry} />
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
