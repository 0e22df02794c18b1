"use client";
/**
 * Remove a link (with a reason), and the demo fault: put a simulated
 * intercept-resend eavesdropper on the link (QBER climbs towards 25% and the
 * link turns compromised) or clear it. Only what the signed-in role may do is offered.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { MeshLinkView } from "@/components/trpc/router-types";
import type { RemoveLinkResult } from "@/components/trpc/router-types";
import { useMayCall } from "@/components/auth/current-user";
import { errorMessage } from "@/components/trpc/api-errors";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { ReasonForm } from "./reason-form";

interface Props {
  link: MeshLinkView;
  title: string;
  onRemoved: (result: RemoveLinkResult) => void;
}

export function LinkActions({ link, title, onRemoved }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState(false);
  const [restoring, setRestoring] = useState(false);
  const invalidate = () => queryClient.invalidateQueries(trpc.mesh.pathFilter());
  const remove = useMutation(trpc.mesh.removeLink.mutationOptions({ onSuccess: onRemoved, onSettled: invalidate }));
  const eavesdrop = useMutation(trpc.mesh.setEavesdropper.mutationOptions({ onSettled: invalidate }));
  const restore = useMutation(trpc.mesh.restoreLink.mutationOptions({ onSuccess: () => setRestoring(false), onSettled: invalidate }));
  const pending = remove.isPending || eavesdrop.isPending || restore.isPending;
  const mayRestore = useMayCall("mesh.restoreLink");
  const contained = link.status === "DOWN" && (link.downReason?.startsWith("incident:") ?? false);
  const mayEavesdrop = useMayCall("mesh.setEavesdropper");
  const mayRemove = useMayCall("mesh.removeLink");
  if (!mayEavesdrop && !mayRemove) {
    return (
      <p className="text-base text-slate-300" data-testid="link-actions-none">
        Your role watches the mesh: SOC analysts run the simulated faults, administrators change the topology.
      </p>
    );
  }
  const error = remove.error ?? eavesdrop.error ?? restore.error;

  return (
    <section className="flex flex-col gap-3" data-testid="link-actions" aria-label="Link actions">
      <div className="flex flex-wrap gap-3">
        {mayEavesdrop ? (
          <button
            type="button"
            data-testid="action-eavesdropper"
            data-active={link.eavesdropper}
            disabled={pending}
            onClick={() => {
              remove.reset();
              eavesdrop.mutate({ linkId: link.id, active: !link.eavesdropper });
            }}
            className={buttonClass(link.eavesdropper ? "primary" : "neutral")}
            title="A demo fault: nothing real is tapped"
          >
            {eavesdrop.isPending ? "Working…" : link.eavesdropper ? "Clear eavesdropper" : "Inject eavesdropper"}
            <span className="text-sm font-normal opacity-80">(simulated fault)</span>
          </button>
        ) : null}
        {mayRestore && contained ? (
          <button
            type="button"
            data-testid="action-restore-link"
            disabled={pending}
            aria-expanded={restoring}
            onClick={() => {
              eavesdrop.reset();
              setRestoring(true);
            }}
            className={buttonClass("primary")}
          >
            Restore link
          </button>
        ) : null}
        {mayRemove ? (
          <button
            type="button"
            data-testid="action-remove-link"
            disabled={pending}
            aria-expanded={removing}
            onClick={() => {
              eavesdrop.reset();
              setRemoving(true);
            }}
            className={buttonClass("danger")}
          >
            Remove link
          </button>
        ) : null}
      </div>
      {restoring ? (
        <ReasonForm
          title={`Restore ${title}`}
          confirmLabel="Confirm restore"
          pending={restore.isPending}
          explanation={`Contained by ${link.downReason?.replace(/^incident:/, "") ?? "an incident"}. QKD restarts at the link's baseline error rate and keys may be routed over it again. Refused while its incident is open or an eavesdropper is on it.`}
          onSubmit={(reason) => restore.mutate({ id: link.id, reason })}
          onCancel={() => setRestoring(false)}
        />
      ) : null}
      {removing ? (
        <ReasonForm
          title={`Remove ${title}`}
          danger
          confirmLabel="Confirm removal"
          pending={remove.isPending}
          explanation="The channel and its key pool are gone; keys are routed around it. Nodes that depended on it alone lose their path to the hub."
          onSubmit={(reason) => remove.mutate({ id: link.id, reason })}
          onCancel={() => setRemoving(false)}
        />
      ) : null}
      <div aria-live="polite">{error ? <InlineError message={errorMessage(error)} testId="action-error" /> : null}</div>
    </section>
  );
}
