"use client";
/**
 * Administrators: the applications (SAEs) each site's KME serves over ETSI GS
 * QKD 014, grouped by site, with their pairs, delivery counts and state;
 * register, edit, disable (with a reason) or enable, pair and unpair. Every
 * change is one audited job on the server; the list refetches on the live
 * "audit" topic (registry changes are audit entries), so other consoles see it too.
 */
import { useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import type { SaeView } from "@/components/trpc/router-types";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatCount } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { DisableSaeForm, EditSaeForm, PairSaesForm, RegisterSaeForm, useQuickApplicationActions } from "./application-forms";

const COLUMNS = ["SAE ID", "Paired with", "Keys delivered", "State", ""];

function SaeRow({ sae, busy, open, onOpen, onEnable, onUnpair }: {
  sae: SaeView; busy: boolean; open: boolean; onOpen: (form: "edit" | "disable") => void; onEnable: () => void; onUnpair: (partner: string) => void;
}) {
  return (
    <tr className="border-t border-line align-top" data-testid="sae-row" data-sae-id={sae.saeId} data-enabled={sae.enabled}>
      <td className="py-2 pr-3">
        <span className="font-mono text-slate-100">{sae.saeId}</span>
        {sae.description ? <p className="max-w-xs text-sm text-slate-400">{sae.description}</p> : null}
        <p className="text-sm text-slate-400">{sae.certPins.length === 0 ? "any certificate with this CN" : `${sae.certPins.length} pinned certificate${sae.certPins.length === 1 ? "" : "s"}`}</p>
      </td>
      <td className="py-2 pr-3">
        {sae.pairedWith.length === 0 ? <span className="text-sm text-slate-400">not paired</span> : (
          <ul className="flex flex-col gap-1" aria-label={`Applications paired with ${sae.saeId}`}>
            {sae.pairedWith.map((p) => (
              <li key={p} className="flex items-center gap-2" data-testid="sae-partner" data-partner={p}>
                <span className="font-mono text-sm text-slate-200">{p}</span>
                <button type="button" className={buttonClass("ghost", "px-2 py-0.5 text-sm")} disabled={busy} onClick={() => onUnpair(p)}
                  aria-label={`Unpair ${sae.saeId} and ${p}`} data-testid="sae-unpair">Unpair</button>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="py-2 pr-3 tabular-nums text-slate-200" data-testid="sae-deliveries">{formatCount(sae.deliveries)}</td>
      <td className="py-2 pr-3" data-testid="sae-state">
        {sae.enabled ? <span className="text-emerald-300">enabled</span> : <span className="text-amber-300">disabled</span>}
      </td>
      <td className="py-2">
        <div className="flex flex-col gap-1">
          <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={busy || open} onClick={() => onOpen("edit")}
            aria-label={`Edit ${sae.saeId}`} data-testid="sae-edit-open">Edit</button>
          {sae.enabled ? (
            <button type="button" className={buttonClass("danger", "px-3 py-1 text-sm")} disabled={busy || open} onClick={() => onOpen("disable")}
              aria-label={`Disable ${sae.saeId}`} data-testid="sae-disable-open">Disable</button>
          ) : (
            <button type="button" className={buttonClass("neutral", "px-3 py-1 text-sm")} disabled={busy || open} onClick={onEnable}
              aria-label={`Enable ${sae.saeId}`} data-testid="sae-enable">Enable</button>
          )}
        </div>
      </td>
    </tr>
  );
}

export function ApplicationsAdmin() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const apps = useQuery(trpc.applications.list.queryOptions(undefined, { refetchInterval }));
  const nodes = useQuery(trpc.nodes.list.queryOptions());
  const { enable, unpair } = useQuickApplicationActions();
  /** The SAE whose edit or disable form is open. */
  const [open, setOpen] = useState<{ saeId: string; form: "edit" | "disable" } | null>(null);
  const names = new Map((nodes.data ?? []).map((n) => [n.id, n.name]));
  const bySite = new Map<string, SaeView[]>();
  for (const s of apps.data?.saes ?? []) bySite.set(s.nodeId, [...(bySite.get(s.nodeId) ?? []), s]);
  const busy = enable.isPending || unpair.isPending;

  return (
    <Panel title="Applications (ETSI 014)" testId="applications-admin">
      <p className="mb-3 text-base text-slate-300">
        The applications (SAEs) each site&apos;s KME serves keys to over ETSI GS QKD 014, and the pairs allowed to share keys. An SAE ID is the CN
        of the application&apos;s certificate. Applications are never deleted (their deliveries name them): disable one to have every KME refuse
        it at once. Every change is recorded in the audit log with your name.
      </p>
      <div className="mb-4 grid gap-4 xl:grid-cols-2">
        {nodes.isPending ? <SkeletonRows rows={2} label="Loading sites" /> : nodes.isError ? (
          <ErrorPanel title="Could not load the sites" error={nodes.error} onRetry={() => void nodes.refetch()} />
        ) : <RegisterSaeForm nodes={nodes.data} />}
        <PairSaesForm saes={apps.data?.saes ?? []} />
      </div>
      <div aria-live="polite">
        <InlineError message={enable.message ?? unpair.message} testId="sae-action-error" />
      </div>
      {apps.isPending ? <SkeletonRows rows={3} label="Loading applications" /> : apps.isError ? (
        <ErrorPanel title="Could not load the applications" error={apps.error} onRetry={() => void apps.refetch()} />
      ) : apps.data.saes.length === 0 ? (
        <p className="text-base text-slate-400" data-testid="saes-empty">No application is registered yet: register one above to let it take keys at its site.</p>
      ) : (
        <div className="flex flex-col gap-5">
          {[...bySite.entries()].map(([site, saes]) => (
            <section key={site} data-testid="sae-site" data-site={site} aria-labelledby={`sae-site-${site}`}>
              <h3 id={`sae-site-${site}`} className="mb-1 text-base font-semibold text-slate-200">
                {names.get(site) ?? site} <span className="font-mono text-sm text-slate-400">{site}</span>
              </h3>
              <div className="relative overflow-x-auto">
                <table className="w-full text-left text-base" data-testid="saes-table">
                  <thead className="text-sm uppercase tracking-wide text-slate-400"><tr>{COLUMNS.map((c) => <th key={c} scope="col" className="py-2 pr-3">{c}</th>)}</tr></thead>
                  <tbody>
                    {saes.map((s) => (
                      <Fragment key={s.saeId}>
                        <SaeRow sae={s} busy={busy} open={open !== null} onOpen={(form) => setOpen({ saeId: s.saeId, form })}
                          onEnable={() => enable.mutate(s)} onUnpair={(p) => unpair.mutate({ saeA: s.saeId, saeB: p })} />
                        {open?.saeId === s.saeId ? (
                          <tr><td colSpan={COLUMNS.length} className="pb-4">
                            {open.form === "edit" ? <EditSaeForm sae={s} onDone={() => setOpen(null)} /> : <DisableSaeForm sae={s} onDone={() => setOpen(null)} />}
                          </td></tr>
                        ) : null}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ))}
        </div>
      )}
    </Panel>
  );
}
