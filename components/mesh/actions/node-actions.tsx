"use client";
/**
 * Isolate or restore a node. Isolating asks for a reason and shows first what
 * it will do (the links it severs, the neighbours that re-wire among
 * themselves); afterwards the panel shows what the server actually did.
 * Only what the signed-in role may do is offered (server/domain/access/permissions.ts).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import type { RewireResult } from "@/components/trpc/router-types";
import { useMayCall } from "@/components/auth/current-user";
import { errorMessage } from "@/components/trpc/api-errors";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { RequestForm } from "@/components/approvals/request-approval";
import { ReasonForm } from "./reason-form";
import { RewireOutcome } from "./rewire-outcome";

interface Props {
  node: MeshNodeView;
  links: readonly MeshLinkView[];
  names: ReadonlyMap<string, string>;
  onAddLink: () => void;
}

export function NodeActions({ node, links, names, onAddLink }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<"isolate" | "restore" | "request" | null>(null);
  const [outcome, setOutcome] = useState<RewireResult | null>(null);
  const settle = {
    onSuccess: (r: RewireResult) => {
      setOpen(null);
      setOutcome(r);
    },
    onSettled: () => queryClient.invalidateQueries(trpc.mesh.pathFilter()),
  };
  const isolate = useMutation(trpc.mesh.isolateNode.mutationOptions(settle));
  const restore = useMutation(trpc.mesh.restoreNode.mutationOptions(settle));
  const pending = isolate.isPending || restore.isPending;
  const mayIsolate = useMayCall("mesh.isolateNode");
  const mayRestore = useMayCall("mesh.restoreNode");
  const mayAddLink = useMayCall("mesh.addLink");
  // Analysts cannot isolate; they ask security officers (an approval request, NODE_ISOLATION).
  const mayRequest = useMayCall("approvals.request") && !mayIsolate;
  const error = isolate.error ?? restore.error;

  const cutOff = node.status === "ISOLATED" || node.status === "OFFLINE";
  const live = links.filter((l) => l.status !== "DOWN");
  const neighbours = [...new Set(live.map((l) => (l.aNodeId === node.id ? l.bNodeId : l.aNodeId)))].map((id) => names.get(id) ?? id);

  const start = (which: "isolate" | "restore" | "request") => {
    isolate.reset();
    restore.reset();
    setOutcome(null);
    setOpen(which);
  };

  return (
    <section className="flex flex-col gap-3" data-testid="node-actions" aria-label="Node actions">
      {!mayIsolate && !mayAddLink && !mayRequest ? (
        <p className="text-base text-slate-300" data-testid="node-actions-none">
          Your role watches the mesh: security officers isolate and restore nodes, administrators change the topology.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        {cutOff ? (
          mayRestore ? (
            <button type="button" data-testid="action-restore" disabled={pending} aria-expanded={open === "restore"} onClick={() => start("restore")} className={buttonClass("primary")}>
              Restore node
            </button>
          ) : null
        ) : node.role === "HUB" || !mayIsolate ? null : (
          <button type="button" data-testid="action-isolate" disabled={pending} aria-expanded={open === "isolate"} onClick={() => start("isolate")} className={buttonClass("danger")}>
            Isolate node
          </button>
        )}
        {mayRequest && !cutOff && node.role !== "HUB" ? (
          <button type="button" data-testid="request-NODE_ISOLATION" aria-expanded={open === "request"} onClick={() => start("request")} className={buttonClass("danger")}>
            Request isolation
          </button>
        ) : null}
        {mayAddLink ? (
          <button type="button" data-testid="add-link-open" onClick={onAddLink} className={buttonClass("neutral")}>
            Add link from here
          </button>
        ) : null}
      </div>
      {open === "isolate" ? (
        <ReasonForm
          key="isolate"
          title={`Isolate ${node.name}`}
          danger
          confirmLabel="Confirm isolation"
          pending={isolate.isPending}
          explanation={
            <>
              <p data-testid="isolate-impact" data-severs={live.length}>
                Severs {live.length} live link{live.length === 1 ? "" : "s"}
                {neighbours.length ? ` (to ${neighbours.join(", ")})` : ""}. Its neighbours then set up direct bypass channels among themselves
                over the fibre through its site, where the combined length still gives a usable key rate, so every other node keeps a path to the hub
                when one exists.
              </p>
              <p className="mt-1 text-slate-300">No key is routed through it until it is restored.</p>
            </>
          }
          onSubmit={(reason) => isolate.mutate({ id: node.id, reason })}
          onCancel={() => setOpen(null)}
        />
      ) : null}
      {open === "request" ? <RequestForm key="request" kind="NODE_ISOLATION" targetId={node.id} onCancel={() => setOpen(null)} /> : null}
      {open === "restore" ? (
        <ReasonForm
          key="restore"
          title={`Restore ${node.name}`}
          confirmLabel="Restore node"
          pending={restore.isPending}
          explanation="Brings its severed links back (those whose other end is up) and removes the bypass channels that were set up around it."
          onSubmit={(reason) => restore.mutate({ id: node.id, reason })}
          onCancel={() => setOpen(null)}
        />
      ) : null}
      <div aria-live="polite">
        {error ? <InlineError message={errorMessage(error)} testId="action-error" /> : null}
        {outcome && outcome.nodeId === node.id ? <RewireOutcome result={outcome} names={names} /> : null}
      </div>
    </section>
  );
}
