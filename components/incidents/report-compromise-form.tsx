"use client";
/**
 * An operator reports a node or link compromised (tampering seen on site, a
 * relay's enclosure opened, an anomaly on a link). The recovery starts at once
 * or waits for a security officer, as the affected keys' policies say.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors } from "@/components/trpc/api-errors";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";

export function ReportCompromiseForm() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const mesh = useQuery(trpc.mesh.state.queryOptions());
  const [targetType, setTargetType] = useState<"node" | "link">("node");
  const [targetId, setTargetId] = useState("");
  const [reason, setReason] = useState("");
  const report = useMutation({
    mutationFn: () => client.incidents.report.mutate({ targetType, targetId, reason }),
    onSuccess: (i) => {
      void queryClient.invalidateQueries(trpc.incidents.pathFilter());
      router.push(`/incidents/${i.id}`);
    },
  });
  const errors = report.isError ? fieldErrors(report.error) : {};
  const names = new Map((mesh.data?.nodes ?? []).map((n) => [n.id, n.name]));
  const options = targetType === "node"
    ? (mesh.data?.nodes ?? []).filter((n) => n.role !== "HUB").map((n) => ({ id: n.id, label: `${n.name} (${n.role.toLowerCase()})` }))
    : (mesh.data?.links ?? []).filter((l) => l.kind === "FIBRE").map((l) => ({ id: l.id, label: `${names.get(l.aNodeId) ?? l.aNodeId} – ${names.get(l.bNodeId) ?? l.bNodeId}` }));
  return (
    <Panel title="Report a compromise" testId="report-compromise">
      <form
        className="grid max-w-3xl gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          report.mutate();
        }}
      >
        <p className="text-base text-slate-300">
          Every key the node holds or relayed, or that crossed the link, will be revoked and replaced over paths that avoid it.
          Whether this starts at once or waits for a security officer is set by the keys&apos; policies.
        </p>
        <fieldset className="flex gap-4 text-base text-slate-200">
          <legend className="sr-only">What is compromised</legend>
          {(["node", "link"] as const).map((t) => (
            <label key={t} className="flex items-center gap-2">
              <input type="radio" name="targetType" value={t} checked={targetType === t} onChange={() => { setTargetType(t); setTargetId(""); }} />
              {t === "node" ? "A node" : "A link"}
            </label>
          ))}
        </fieldset>
        <label className="grid gap-1 text-base text-slate-200">
          {targetType === "node" ? "Node" : "Link"}
          <select className={inputClass} value={targetId} onChange={(e) => setTargetId(e.target.value)} data-testid="report-target" aria-invalid={Boolean(errors.targetId)} required>
            <option value="">{mesh.isPending ? "Loading the mesh…" : `Choose a ${targetType}`}</option>
            {options.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
          <InlineError message={errors.targetId} />
        </label>
        <label className="grid gap-1 text-base text-slate-200">
          What was observed
          <textarea className={inputClass} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="report-reason" aria-invalid={Boolean(errors.reason)} placeholder="e.g. enclosure seal broken at the relay site during the 14:00 inspection" />
          <InlineError message={errors.reason} />
        </label>
        <div className="flex items-center gap-3">
          <button type="submit" className={buttonClass("danger")} disabled={report.isPending || !targetId} data-testid="report-submit">
            {report.isPending ? "Reporting…" : "Report compromise"}
          </button>
          <InlineError message={report.isError && Object.keys(errors).length === 0 ? report.error.message : null} testId="report-error" />
        </div>
      </form>
    </Panel>
  );
}
