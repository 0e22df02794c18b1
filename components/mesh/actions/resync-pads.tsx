"use client";
/**
 * Resynchronise a link whose two ends' pads disagree (issue 18): both ends'
 * QKD devices realign, the action is audited with its reason, and routes may
 * cross the link again. Offered to officers and admins, under the desync
 * notice of the link's pad section.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useMayCall } from "@/components/auth/current-user";
import { errorMessage } from "@/components/trpc/api-errors";
import { useTRPC } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { ReasonForm } from "./reason-form";

export function ResyncPads({ linkId, title }: { linkId: string; title: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const resync = useMutation(
    trpc.mesh.resyncPads.mutationOptions({ onSuccess: () => setOpen(false), onSettled: () => queryClient.invalidateQueries(trpc.mesh.pads.pathFilter()) }),
  );
  if (!useMayCall("mesh.resyncPads")) return null;
  return (
    <div className="flex flex-col gap-2">
      {open ? (
        <ReasonForm
          title={`Resynchronise the pads of ${title}`}
          confirmLabel="Confirm resynchronisation"
          pending={resync.isPending}
          explanation="Both ends' QKD devices realign with each other; pad bytes used before stay used. The key that failed stays destroyed; new keys may be routed over this link again."
          onSubmit={(reason) => resync.mutate({ linkId, reason })}
          onCancel={() => setOpen(false)}
        />
      ) : (
        <button type="button" data-testid="action-resync-pads" onClick={() => { resync.reset(); setOpen(true); }} className={buttonClass("primary")}>
          Resynchronise pads
        </button>
      )}
      <div aria-live="polite">{resync.error ? <InlineError message={errorMessage(resync.error)} testId="resync-error" /> : null}</div>
    </div>
  );
}
