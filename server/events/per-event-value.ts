/**
 * A value shared by every subscriber of this process until the next event of
 * its topics: when an event reaches hundreds of subscribers that each need
 * the same read (the approvals badge's open requests), the first one to ask
 * starts the read and the others share it, so an event costs one query, not
 * one per subscriber. Staleness is decided by the bus's count of events heard
 * (bumped before any subscriber hears the event), so nothing subscribes and
 * nothing is left behind. While the bus is not listening no event would say
 * the value changed: every caller then reads for itself.
 */
import type { EventTopic } from "../domain/events/console-events";

/** What a PerEventValue needs of the event bus. */
export interface EventGenerations {
  readonly connected: boolean;
  generation(topics: readonly EventTopic[]): number;
}

export class PerEventValue<T> {
  private current: { generation: number; value: Promise<T> } | null = null;
  /** How many reads were started (the test counts them against the subscribers served). */
  loads = 0;

  constructor(
    private readonly bus: EventGenerations,
    private readonly topics: readonly EventTopic[],
    private readonly load: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const generation = this.bus.generation(this.topics);
    if (this.bus.connected && this.current?.generation === generation) return this.current.value;
    this.loads++;
    const value = this.load();
    if (!this.bus.connected) return value;
    const entry = { generation, value };
    this.current = entry;
    // A failed read is not kept: the next caller tries again.
    value.catch(() => {
      if (this.current === entry) this.current = null;
    });
    return value;
  }
}
