"use client";
/**
 * The scripted demo scenario: a simulated intercept-resend eavesdropper on a
 * backbone link. Its QBER climbs toward 25%, the 11% abort threshold is
 * crossed, and the recovery engine contains the link, revokes every key that
 * crossed it and re-distributes replacements around it, all live. Only a
 * simulated fault is injected, so demo visitors may run it.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMayCall } from "@/components/auth/current-user";
import type { DemoScenario } from "@/components/trpc/router-types";
import { useLiveRefetchInterval } from "@/components/live/live-events";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export function DemoScenarioPanel() {
  const trpc = useTRPC();
  const refetchInterval = useLiveRefetchInterval();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const mayRun = useMayCall("incidents.startDemo");
  const q = useQuery(trpc.incidents.demoStatus.queryOptions(undefined, { refetchInterval }));
  // The answer is the scenario's new state: shown at once; the rest refreshes in the background
  // (not awaited, so the button never waits on a busy server's other answers).
  const settled = (view: DemoScenario | undefined) => {
    if (view) queryClient.setQueryData(trpc.incidents.demoStatus.queryKey(), view);
    void queryClient.invalidateQueries(trpc.incidents.pathFilter(), { cancelRefetch: false });
    void queryClient.invalidateQueries(trpc.mesh.pathFilter(), { cancelRefetch: false });
  };
  const start = useMutation({ mutationFn: () => client.incidents.startDemo.mutate(), onSettled: (view) => settled(view) });
  const end = useMutation({ mutationFn: () => client.incidents.endDemo.mutate(), onSettled: (view) => settled(view) });
  if (!mayRun) return null;
  const busy = start.isPending || end.isPending;
  return (
    <Panel title="Demo: eavesdropper on a backbone link" testId="demo-scenario">
      {q.isPending ? <SkeletonRows rows={2} label="Loading the scenario" /> : q.isError ? (
        <p className="text-base text-red-200">Could not load the scenario&apos;s state: {q.error.message}</p>
      ) : (
        <div className="flex flex-col gap-3" data-running={q.data.running} data-testid="demo-scenario-state">
          <p className="max-w-3xl text-base text-slate-300">
            An intercept-resend attacker taps {q.data.linkName ? <strong className="text-slate-100">{q.data.linkName}</strong> : "a backbone link"}.
            Its error rate climbs toward 25%; past the 11% abort threshold the hub contains the link, revokes every key
            that crossed it, and re-distributes replacements around it. Watch it here and on the{" "}
            <Link href="/mesh" className="text-sky-300 underline underline-offset-4 hover:decoration-2">Mesh</Link>. Only a simulated fault is injected.
          </p>
          <div className="flex flex-wrap items-center gap-3">
            {q.data.running ? (
              <>
                <span className="text-base font-semibold text-amber-200" data-testid="demo-running">Scenario running</span>
                {q.data.incidentId ? (
                  <Link href={`/incidents/${q.data.incidentId}`} className="text-sky-300 underline underline-offset-4 hover:decoration-2" data-testid="demo-incident-link">Follow its incident</Link>
                ) : <span className="text-base text-slate-300">waiting for the QBER to cross 11%…</span>}
                <button type="button" className={buttonClass("neutral")} disabled={busy} onClick={() => end.mutate()} data-testid="demo-end">
                  {end.isPending ? "Ending…" : "End scenario and restore the link"}
                </button>
              </>
            ) : (
              <button type="button" className={buttonClass("primary")} disabled={busy} onClick={() => start.mutate()} data-testid="demo-start">
                {start.isPending ? "Starting…" : "Start the scenario"}
              </button>
            )}
          </div>
          <InlineError message={start.isError ? start.error.message : end.isError ? end.error.message : null} testId="demo-error" />
        </div>
      )}
    </Panel>
  );
}
