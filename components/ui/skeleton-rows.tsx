/** Placeholder rows while a table loads, so the page does not jump when data arrives. */
export function SkeletonRows({ rows = 6, label = "Loading", testId = "loading" }: { rows?: number; label?: string; testId?: string }) {
  return (
    <div role="status" aria-live="polite" data-testid={testId} className="flex flex-col gap-2">
      <span className="sr-only">{label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-12 animate-pulse rounded-lg bg-panel-raised motion-reduce:animate-none" />
      ))}
    </div>
  );
}
