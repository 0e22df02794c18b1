/**
 * The live events the console pushes to browsers. Each committed batch of the
 * transition runner announces itself once (topic "audit", plus "keys" when
 * keys changed, plus whatever topics its jobs published); the mesh simulation
 * announces its ticks. Events are mostly notifications: a browser that gets
 * one refetches what it shows, so a missed event costs at most one refresh.
 * The exception is the simulation tick, the one event that arrives every
 * second: it carries the link figures and statuses that moved (a
 * MeshTickDelta, about 2 KB for the demo's 31 links), which browsers apply to
 * their cached mesh instead of refetching it. No event ever carries key material.
 */
export const EVENT_TOPICS = ["audit", "keys", "mesh", "routes", "approvals", "incidents"] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** A fact published by a job inside its transaction (delivered only if it commits). */
export interface JobEvent {
  topic: EventTopic;
  /** e.g. "node-isolated", "key-routed" */
  type: string;
  /** Small, material-free facts: ids, states, link ids of a route. */
  data?: Record<string, string | number | boolean | null | string[]>;
  /** Only on a simulation tick that changed links' figures or statuses alone (no topology change). */
  delta?: MeshTickDelta;
}

/** A link's status as a tick can set it (a tick never takes a link down: that is a topology change). */
export type TickLinkStatus = "UP" | "DEGRADED";

/**
 * [linkId, qber, secretKeyRateBps, poolBits], plus the link's new status when
 * the tick changed it (a QBER threshold crossed): everything a tick changes on a link.
 */
export type TickLinkFigures = [string, number, number, number] | [string, number, number, number, TickLinkStatus];

/**
 * What one simulation tick changed, for viewers to apply to their cached state.
 * A tick that changed the topology (a node gone offline or back) carries no
 * delta: viewers refetch the whole state then. Figures and link statuses only:
 * no key material, no ids but links'.
 */
export interface MeshTickDelta {
  tick: number;
  /** ISO timestamps (NOTIFY payloads are JSON). */
  simTime: string;
  lastTickAt: string;
  /** The tick stored a sample of every link at lastTickAt: open link charts append it. */
  sampled: boolean;
  /** Every link whose figures or status moved (every link when sampled). */
  links: TickLinkFigures[];
}

export interface ConsoleEvent {
  /** Topics this event concerns; a subscriber gets it when any of them is wanted. */
  topics: EventTopic[];
  /** Audit head after the batch, when the event comes from a committed batch. */
  seq?: string;
  keyIds?: string[];
  events?: JobEvent[];
  /** Set when details were dropped to fit PostgreSQL's NOTIFY payload limit. */
  truncated?: boolean;
  /** Which server process sent it (diagnostics). */
  origin?: string;
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_800;

/** Serialises an event for NOTIFY, dropping details (never topics) to fit. */
export function encodeEvent(e: ConsoleEvent): string {
  let text = JSON.stringify(e);
  if (text.length <= MAX_PAYLOAD) return text;
  const slim: ConsoleEvent = { topics: e.topics, seq: e.seq, origin: e.origin, truncated: true };
  // Keep the small job events (e.g. a route to animate) if they fit on their own; a tick's delta goes first
  // (a tick without its delta makes viewers refetch the state, which is always correct).
  const withEvents = { ...slim, events: e.events?.map(({ delta: _delta, ...rest }) => rest) };
  text = JSON.stringify(withEvents);
  return text.length <= MAX_PAYLOAD ? text : JSON.stringify(slim);
}

export function decodeEvent(payload: string): ConsoleEvent | null {
  try {
    const v = JSON.parse(payload) as ConsoleEvent;
    if (!Array.isArray(v.topics)) return null;
    return { ...v, topics: v.topics.filter((t): t is EventTopic => (EVENT_TOPICS as readonly string[]).includes(t)) };
  } catch {
    return null;
  }
}

export const EVENT_CHANNEL = "qecnet_events";
