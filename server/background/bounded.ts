/**
 * Bounded concurrency for background work (rotation sweeps and triggers,
 * compromise recovery, integrity scans): at most n calls in flight, and lists
 * cut into transaction-sized chunks.
 */

/** Runs fn over items with at most n in flight; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** The items in consecutive chunks of at most `size` (none for no items). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
