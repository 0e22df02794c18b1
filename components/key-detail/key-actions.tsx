"use client";
/**
 * The lifecycle actions a key allows right now (the API's allowedEvents), as
 * buttons. Simple actions run on click; reason, count and destructive actions
 * open an inline form first. The result or the server's refusal is announced.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { KeyDetail } from "@/components/trpc/router-types";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass } from "@/components/ui/button-styles";
import { InlineError } from "@/components/ui/inline-error";
import { stateName } from "@/components/keys/key-state-style";
import { ActionForm } from "./action-form";
import { KEY_ACTION_SPECS, needsForm } from "./key-action-specs";
import { runKeyAction, isDirectEvent, type DirectKeyEvent, type KeyActionCommand, EVENT_PROCEDURE } from "./run-key-action";
import { useCurrentUser } from "@/components/auth/current-user";
import { checkProcedure } from "@/server/domain/access/permissions";

interface OpenForm {
  event: DirectKeyEvent;
  /** The version the operator was looking at when they opened the form. */
  version: number;
}

export function KeyActions({ detail }: { detail: KeyDetail }) {
  const { key } = detail;
  const { role } = useCurrentUser();
  // Only what this role may do (server/domain/access/permissions.ts); revocation is requested, never done directly.
  const allowedEvents = detail.allowedEvents.filter(isDirectEvent).filter((e) => checkProcedure(EVENT_PROCEDURE[e], role).ok);
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<OpenForm | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const action = useMutation({
    mutationFn: (cmd: KeyActionCommand) => runKeyAction(client, cmd),
    onSuccess: ({ view, attempts, abandoned, lastFailure }, cmd) => {
      setOpen(null);
      if (view.id !== cmd.id) {
        setDone(
          abandoned
            ? `${KEY_ACTION_SPECS[cmd.event].label}: gave up after ${attempts} attempts (last: ${lastFailure}). Each failed key was destroyed; see the lineage.`
            : `${KEY_ACTION_SPECS[cmd.event].label}: this key failed (${lastFailure}) and was destroyed; attempt ${view.distributionAttempt} with new material is ${stateName(view.state)}. See the lineage below.`,
        );
        return;
      }
      setDone(`${KEY_ACTION_SPECS[cmd.event].label}: done. ${view.label} is now ${stateName(view.state)} (version ${view.version}).`);
    },
    onSettled: () =>
      Promise.all([queryClient.invalidateQueries(trpc.keys.pathFilter()), queryClient.invalidateQueries(trpc.audit.pathFilter())]),
  });

  const run = (event: DirectKeyEvent, expectedVersion: number, values: { reason?: string; count?: number } = {}) => {
    setDone(null);
    action.mutate({ event, id: key.id, expectedVersion, ...values });
  };

  const specs = allowedEvents.map((e) => KEY_ACTION_SPECS[e]);
  const openSpec = open && allowedEvents.includes(open.event) ? KEY_ACTION_SPECS[open.event] : null;

  return (
    <div className="flex flex-col gap-4" data-testid="key-actions">
      {specs.length === 0 ? (
        <p className="text-base text-slate-300" data-testid="no-actions">
          {detail.allowedEvents.length === 0
            ? <>No lifecycle action is possible: {stateName(key.state)} is the end of this key&rsquo;s line.</>
            : <>Your role ({role}) runs no lifecycle action on this key; security officers do.</>}
        </p>
      ) : (
        <div className="flex flex-wrap gap-3">
          {specs.map((spec) => (
            <button
              key={spec.event}
              type="button"
              data-testid={spec.testId}
              title={spec.help}
              disabled={action.isPending}
              aria-expanded={needsForm(spec) ? openSpec?.event === spec.event : undefined}
              className={buttonClass(spec.tone)}
              onClick={() => {
                if (needsForm(spec)) {
                  action.reset();
                  setDone(null);
                  setOpen({ event: spec.event, version: key.version });
                } else {
                  setOpen(null);
                  run(spec.event, key.version);
                }
              }}
            >
              {action.isPending && action.variables?.event === spec.event ? "Working…" : spec.label}
            </button>
          ))}
        </div>
      )}
      {openSpec && open ? (
        <ActionForm
          key={open.event}
          spec={openSpec}
          participants={key.participants.length}
          pending={action.isPending}
          onSubmit={(values) => run(open.event, open.version, values)}
          onCancel={() => setOpen(null)}
        />
      ) : null}
      <div aria-live="polite" aria-atomic="true">
        {action.isError ? <InlineError message={action.error.message} testId="action-error" /> : null}
        {done && !action.isError ? (
          <p data-testid="action-result" className="text-base font-medium text-emerald-300">{done}</p>
        ) : null}
      </div>
    </div>
  );
}
