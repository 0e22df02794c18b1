"use client";
/** Last-resort error boundary for a page: says what happened and offers a retry. */
import { ErrorPanel } from "@/components/ui/error-panel";

export default function PageError({ error, retry }: { error: unknown; retry: () => void }) {
  return <ErrorPanel title="This page failed to render" error={error} onRetry={retry} />;
}
