/**
 * The QueryClient of a live console: lists poll every few seconds (wall screens
 * stay current without anyone clicking), focus brings a refetch, and client
 * errors (4xx: not found, validation, refused transitions) are never retried
 * because asking again would get the same answer.
 */
import { QueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";

/** How often live lists and the key detail poll the API. */
export const LIVE_REFETCH_MS = 5_000;

function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (status !== undefined && status >= 400 && status < 500) return false;
  }
  return failureCount < 2;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        refetchOnWindowFocus: true,
        refetchOnReconnect: true,
        // Wall screens are visible but unfocused: keep polling; pause only when the tab is hidden.
        refetchIntervalInBackground: false,
        retry: shouldRetry,
      },
      mutations: { retry: false },
    },
  });
}
