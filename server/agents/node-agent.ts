/**
 * The software at each node of the mesh, as the hub sees it. A node agent
 * stores the keys delivered to it, proves possession with a receipt (an HMAC
 * of the key id under the key, so the key itself never travels back), purges
 * keys on instruction, and reports usage and integrity (the fingerprint of what
 * it holds). Real agents talk over the network; the simulation uses in-process
 * ones (in-process-agents.ts) whose faults tests and demos can inject. Keys
 * reach a node only encrypted with a link's one-time pad, hop by hop through
 * trusted relays (issue 18).
 */
/** Where a hop's pad lies: a link, a direction of it, an offset into that direction's key stream (issue 18). */
export interface PadRef {
  linkId: string;
  direction: "A>B" | "B>A";
  offset: number;
}

/** A key encrypted (XOR) with the pad at `PadRef`: what travels over one hop. */
export interface OtpPayload extends PadRef {
  ciphertext: Uint8Array;
}

export interface Delivery {
  keyId: string;
  sizeBits: number;
  /** The key encrypted with the last hop's pad: the endpoint decrypts it with its end of that pad. */
  otp: OtpPayload;
  /** The fingerprint of the key: what the endpoint decrypted must match it (a desynchronised pad does not). */
  fingerprint: string;
  /** Nodes the key crossed from the hub (trusted relays), for the agent's own log. */
  nodePath: readonly string[];
}

/** A trusted relay's hop: decrypt `in` with its end of that pad, re-encrypt with its end of the `out` pad. */
export interface RelayRequest {
  keyId: string;
  sizeBits: number;
  in: OtpPayload;
  out: PadRef;
}

export interface RelayAnswer {
  ciphertext: Uint8Array;
  /** Hex hop tag of what the relay decrypted (server/quantum-channel/otp-hop.ts): the hub compares it with its own. */
  tag: string;
}

export interface NodeAgent {
  readonly nodeId: string;
  /** Decrypts the key with the last hop's pad, stores it and answers with its receipt (hex HMAC-SHA256). */
  deliver(d: Delivery): Promise<string>;
  /** One hop of the one-time-pad relay, at a trusted relay node. */
  relay(r: RelayRequest): Promise<RelayAnswer>;
  /** Erases the key; true when it held it. */
  purge(keyId: string): Promise<boolean>;
  /** Liveness and how many keys the node holds. */
  heartbeat(): Promise<{ heldKeys: number }>;
  /** The fingerprint of the material held for a key, or null if it holds none. */
  integrity(keyId: string): Promise<string | null>;
  /**
   * Proof of possession now, for a fresh challenge: `PROOF:<hex>` (integrityProof of the material, the key id, the
   * node id and `nonceHex`), "corrupt" when the held copy cannot be read, or null when it holds none. A holder
   * replaying an answer it gave to an earlier challenge fails the hub's check (the integrity monitor).
   */
  prove(keyId: string, nonceHex: string): Promise<string | null>;
  /** Uses of a key recorded at the node since the last report. */
  usage(keyId: string): Promise<number>;
}

/** Called when a node's agent (re)connects, with the key ids it reports holding (null: it did not say). */
export type ReconnectListener = (nodeId: string, inventory: readonly string[] | null) => void;

export interface AgentDirectory {
  agent(nodeId: string): NodeAgent;
  /**
   * Subscribes to (re)connections of agents: the purge service then applies the node's backlog of purge
   * obligations (KEY-DELIVERY.md §6.4). Agent processes report it after each accepted hello; the in-process
   * double when a fault that made its node unreachable (silent, ignorePurge) is cleared, or on restart().
   */
  onReconnect?(listener: ReconnectListener): void;
}

/**
 * Whether the node's agent is alive is not known yet: the hub has only just
 * started listening, and agents that were connected to the previous process
 * are still dialling back in (their backoff reaches 5 s). The simulation
 * neither counts this as a missed heartbeat nor as an answer.
 */
export class AgentAwaitedError extends Error {
  constructor(readonly nodeId: string) {
    super(`node ${nodeId}: the hub only just started listening; its agent may still be dialling in`);
    this.name = "AgentAwaitedError";
  }
}

/** The agent did not answer in time (dropped message, dead node). */
export class AgentTimeoutError extends Error {
  constructor(readonly nodeId: string, readonly ms: number) {
    super(`node ${nodeId} did not answer within ${ms} ms`);
  }
}

/** Rejects with AgentTimeoutError when `p` does not settle within `ms`. */
export function withTimeout<T>(p: Promise<T>, nodeId: string, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new AgentTimeoutError(nodeId, ms)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
