/**
 * The background workers of this process and how each is doing. A worker
 * registers a status callback; /api/ready reports them all and is not ready
 * while any registered worker reports a problem. Other modules (the mesh
 * simulation, the SIEM forwarder, the checkpoint scheduler) register here.
 */

export interface WorkerStatus {
  ok: boolean;
  /** One sentence for operators: what it last did, or what is wrong. */
  detail: string;
  /** When it last did its work successfully, if it has. */
  lastSuccessAt?: Date | null;
}

const g = globalThis as unknown as { __qecnetWorkers?: Map<string, () => WorkerStatus> };
const registry = (g.__qecnetWorkers ??= new Map());

/** Registers (or replaces) a worker's status callback; returns a function that unregisters it. */
export function registerWorker(name: string, status: () => WorkerStatus): () => void {
  registry.set(name, status);
  return () => {
    if (registry.get(name) === status) registry.delete(name);
  };
}

export function workerStatuses(): Array<{ name: string } & WorkerStatus> {
  return [...registry].map(([name, status]) => {
    try {
      return { name, ...status() };
    } catch (err) {
      return { name, ok: false, detail: `status check failed: ${(err as Error).message}` };
    }
  });
}
