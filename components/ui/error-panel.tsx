"use client";
/**
 * An error the user can act on: the server's own message (it says what went
 * wrong and that nothing was changed) and a retry button.
 */
import { errorMessage } from "@/components/trpc/api-errors";
import { buttonClass } from "./button-styles";

export function ErrorPanel({ title, error, onRetry, testId = "error-state" }: { title: string; error: unknown; onRetry?: () => void; testId?: string }) {
  return (
    <div role="alert" data-testid={testId} className="flex flex-col gap-3 rounded-xl border border-red-500/60 bg-red-950/40 px-6 py-5">
      <h2 className="text-lg font-semibold text-red-200">{title}</h2>
      <p className="text-base text-red-100">{errorMessage(error)}</p>
      {onRetry ? (
        <div>
          <button type="button" onClick={onRetry} className={buttonClass("neutral")} data-testid="retry">
            Retry
          </button>
        </div>
      ) : null}
    </div>
  );
}
