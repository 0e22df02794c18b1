"use client";
/** Narrow the audit log to one action and/or one subject (a key id, a node id, a label). */
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { actionLabel } from "./audit-action-labels";
import type { AuditFilters as Filters } from "./use-audit-filters";

interface Props {
  filters: Filters;
  onChange: (next: Partial<Filters>) => void;
}

export function AuditFilters({ filters, onChange }: Props) {
  const trpc = useTRPC();
  const actions = useQuery(trpc.audit.actions.queryOptions(undefined, { staleTime: 30_000 }));
  const [subject, setSubject] = useState(filters.subject);
  const active = filters.action !== "" || filters.subject !== "" || filters.seq !== null;

  function applySubject(e: FormEvent) {
    e.preventDefault();
    onChange({ subject: subject.trim(), seq: null });
  }

  const options = actions.data ?? [];
  // Keep a filter from the URL selectable even before (or without) the list of actions.
  const withCurrent = filters.action && !options.includes(filters.action) ? [filters.action, ...options] : options;

  return (
    <div className="flex flex-wrap items-end gap-4">
      <div className="flex min-w-64 flex-col gap-1">
        <label htmlFor="audit-action" className="text-sm font-semibold text-slate-300">Action</label>
        <select
          id="audit-action"
          data-testid="audit-action-filter"
          value={filters.action}
          onChange={(e) => onChange({ action: e.target.value, seq: null })}
          className={inputClass}
        >
          <option value="">All actions</option>
          {withCurrent.map((a) => (
            <option key={a} value={a}>{actionLabel(a)} ({a})</option>
          ))}
        </select>
        {actions.isError ? <span className="text-sm text-red-300">Could not load the list of actions.</span> : null}
      </div>
      <form onSubmit={applySubject} className="flex flex-wrap items-end gap-2" role="search" aria-label="Filter by subject">
        <div className="flex w-[26rem] max-w-full flex-col gap-1">
          <label htmlFor="audit-subject" className="text-sm font-semibold text-slate-300">Subject id</label>
          <input
            id="audit-subject"
            data-testid="audit-subject-filter"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            placeholder="Key id, node id…"
            autoComplete="off"
            spellCheck={false}
            maxLength={120}
            className={`${inputClass} font-mono`}
          />
        </div>
        <button type="submit" data-testid="audit-subject-apply" className={buttonClass("neutral")}>Apply</button>
      </form>
      {active ? (
        <button
          type="button"
          data-testid="audit-clear-filters"
          className={buttonClass("ghost")}
          onClick={() => {
            setSubject("");
            onChange({ action: "", subject: "", seq: null });
          }}
        >
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
