/**
 * A tRPC link for the second factor: when a mutation (or a query, for a
 * session that never proved the factor) is refused with SECOND_FACTOR_REQUIRED
 * (server/auth/second-factor.ts), it asks the user for the factor through the
 * prompt the StepUpPrompt component registered, then sends the same operation
 * once more; on cancel the original error goes to the caller. Calls refused at
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
      const attempt = (retried: boolean) => {
        sub = next(op).subscribe({
          next: (v) => observer.next(v),
          complete: () => observer.complete(),
          error: (err) => {
            const code = domainCodeOf(err);
            if (code === "SECOND_FACTOR_ENROLMENT_REQUIRED" && window.location.pathname !== ENROLMENT_PAGE) {
              window.location.assign(`${ENROLMENT_PAGE}?next=${encodeURIComponent(window.location.pathname)}`);
            }
            if (code === "SECOND_FACTOR_REQUIRED" && op.type !== "subscription" && !retried && prompt) {
              void ask(prompt, err.message).then((ok) => {
                if (closed) return;
                if (ok) attempt(true);
                else observer.error(err);
              });
              return;
            }
            observer.error(err);
          },
        });
      };
      attempt(false);
      return () => {
        closed = true;
        sub?.unsubscribe();
      };
    });
}
