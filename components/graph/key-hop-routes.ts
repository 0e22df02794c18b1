/**
 * Turns the live route events into link animations. A "key-routed" event
 * (distribution, when the key's routes commit) names every link of the key's
 * routes; the one-time-pad carrier (issue 18) also publishes one "key-hop"
 * event per hop as it relays the key ({keyId, linkId, from, to, hop, hops}),
 * material-free. When hops arrive, the key is animated hop by hop from them
 * and its whole-route animation is dropped; a key-routed event is therefore
 * held for a short grace (hops may come just before or just after it) and
 * plays as before when no hop of its key came. Keys seen hopping are
 * remembered for a minute.
 */
import type { JobEvent } from "@/server/domain/events/console-events";

/** What the animation needs: RouteActivity.markRoute. */
export interface RouteMarker {
  markRoute(linkIds: readonly string[], nodeIds: readonly string[]): void;
}

export const HOP_GRACE_MS = 500;
const REMEMBER_HOPPING_MS = 60_000;

export class KeyHopRoutes {
  /** keyId -> when its last hop arrived, on `now` (a monotonic clock: only ages matter). */
  private readonly hopping = new Map<string, number>();
  private readonly held = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly marker: RouteMarker,
    private readonly now: () => number = () => performance.now(),
    private readonly graceMs = HOP_GRACE_MS,
  ) {}

  onEvent(je: JobEvent): void {
    if (!je.data) return;
    if (je.type === "key-hop") return this.hop(je.data);
    if (je.type === "key-routed") this.route(je.data);
  }

  private hop(d: NonNullable<JobEvent["data"]>): void {
    const { keyId, linkId, from } = d;
    if (typeof linkId !== "string") return;
    if (typeof keyId === "string") this.remember(keyId);
    this.marker.markRoute([linkId], [typeof from === "string" ? from : ""]);
  }

  private route(d: NonNullable<JobEvent["data"]>): void {
    const { keyId, linkIds, nodeIds } = d;
    if (!Array.isArray(linkIds)) return;
    const play = () => this.marker.markRoute(linkIds, Array.isArray(nodeIds) ? nodeIds : []);
    if (typeof keyId !== "string") return play();
    if (this.isHopping(keyId)) return;
    const t = setTimeout(() => {
      this.held.delete(t);
      if (!this.isHopping(keyId)) play();
    }, this.graceMs);
    this.held.add(t);
  }

  private remember(keyId: string): void {
    const now = this.now();
    for (const [k, at] of this.hopping) if (now - at > REMEMBER_HOPPING_MS) this.hopping.delete(k);
    this.hopping.set(keyId, now);
  }

  private isHopping(keyId: string): boolean {
    const at = this.hopping.get(keyId);
    return at !== undefined && this.now() - at <= REMEMBER_HOPPING_MS;
  }

  dispose(): void {
    for (const t of this.held) clearTimeout(t);
    this.held.clear();
  }
}
