/**
 * A tRPC link for the second factor: when a mutation (or a query, for a
 * session that never proved the factor) is refused with SECOND_FACTOR_REQUIRED
 * (server/auth/second-factor.ts), it asks the user for the factor through the
 * prompt the StepUpPrompt component registered, then sends the same operation
 * once more; on cancel the original error goes to the caller. A refusal is
 * first re-sent once without asking: a request sent before the session proved
 * its factor (in flight during an enrolment or a sign-in) is refused although
 * the session is proven by the time its answer comes. Calls refused at
 * the same moment share one prompt. SECOND_FACTOR_ENROLMENT_REQUIRED sends the
 * browser to the enrolment page.
 */
import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { AppRouter } from "@/server/api/root";

export const ENROLMENT_PAGE = "/account/security";

type Prompt = (message: string) => Promise<boolean>;
let prompt: Prompt | null = null;
let asking: Promise<boolean> | null = null;

/** The UI's prompt (one per tab); returns the function that unregisters it. */
export function registerStepUpPrompt(p: Prompt): () => void {
  prompt = p;
  return () => {
    if (prompt === p) prompt = null;
  };
}

function ask(p: Prompt, message: string): Promise<boolean> {
  asking ??= p(message).finally(() => {
    asking = null;
  });
  return asking;
}

function domainCodeOf(err: unknown): string | null {
  return err instanceof TRPCClientError ? ((err.data as { domainCode?: string | null } | undefined)?.domainCode ?? null) : null;
}

export function stepUpLink(): TRPCLink<AppRouter> {
  return () => ({ op, next }) =>
    observable((observer) => {
      let sub: Unsubscribable | null = null;
      let closed = false;
      // "fresh": first try; "again": sent once more without asking (a request that left before the session proved
      // its factor, e.g. right after enrolment, is refused although the session is proven now: the dialog must not
      // open for it); "proven": after the user proved the factor in the dialog.
      const attempt = (stage: "fresh" | "again" | "proven") => {
        sub = next(op).subscribe({
          next: (v) => observer.next(v),
          complete: () => observer.complete(),
          error: (err) => {
            const code = domainCodeOf(err);
            if (code === "SECOND_FACTOR_ENROLMENT_REQUIRED" && window.location.pathname !== ENROLMENT_PAGE) {
              window.location.assign(`${ENROLMENT_PAGE}?next=${encodeURIComponent(window.location.pathname)}`);
            }
            if (code === "SECOND_FACTOR_REQUIRED" && op.type !== "subscription" && stage !== "proven") {
              if (stage === "fresh") {
                if (!closed) attempt("again");
                return;
              }
              if (prompt) {
                void ask(prompt, err.message).then((ok) => {
                  if (closed) return;
                  if (ok) attempt("proven");
                  else observer.error(err);
                });
                return;
              }
            }
            observer.error(err);
          },
        });
      };
      attempt("fresh");
      return () => {
        closed = true;
        sub?.unsubscribe();
      };
    });
}
