/**
 * The typed tRPC hooks of the console (TanStack React Query integration).
 * Client components call `useTRPC()` for query/mutation options and
 * `useTRPCClient()` for imperative calls; the provider lives in
 * components/providers/app-providers.tsx.
 */
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
