"use client";
/**
 * The console's client-side providers: one QueryClient and one tRPC client per
 * browser tab, talking to /api/trpc in batches with superjson (Dates, bigints),
 * and one live event stream (server-sent events) that keeps every view current.
 * Mutations that need the second factor again prompt for it and retry (step-up link).
 * A live stream that fails (server restarting, overloaded) is retried with
 * exponential backoff and jitter, so hundreds of tabs do not come back in step.
 */
import { QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, retryLink, splitLink } from "@trpc/client";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { makeQueryClient } from "@/components/trpc/query-client";
import { TRPCProvider } from "@/components/trpc/trpc-context";
import { LiveEvents } from "@/components/live/live-events";
import { StepUpPrompt } from "@/components/auth/step-up-prompt";
import { stepUpLink } from "@/components/trpc/step-up-link";
import { CSRF_HEADER, CSRF_HEADER_VALUE } from "@/server/domain/access/csrf";
import { reconnectDelay } from "@/server/domain/events/reconnect-delay";

/** Live stream retries: from 0.5 s doubling up to 30 s, each drawn from the upper half of its window. */
const streamRetryDelayMs = (attempt: number) => reconnectDelay(attempt - 1, 500, 30_000, Math.random);

export function AppProviders({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        stepUpLink(),
        splitLink({
          condition: (op) => op.type === "subscription",
          true: [
            retryLink({ retry: (o) => o.op.type === "subscription", retryDelayMs: streamRetryDelayMs }),
            httpSubscriptionLink({ url: "/api/trpc", transformer: superjson }),
          ],
          // The header marks requests as the console's own (server/domain/access/csrf.ts).
          false: httpBatchLink({ url: "/api/trpc", transformer: superjson, headers: { [CSRF_HEADER]: CSRF_HEADER_VALUE } }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <LiveEvents>{children}</LiveEvents>
        <StepUpPrompt />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
