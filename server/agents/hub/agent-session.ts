/**
 * One live agent connection as the hub sees it, after its hello was accepted:
 * hub→agent requests with their own timeout (an unanswered request rejects
 * with AgentTimeoutError, like a silent in-process agent), answers matched by
 * id, and what the agent last told about itself (heartbeat time, held keys).
 * Frames are validated against the shared protocol (agent-protocol.ts); the
 * session never logs a frame, since a deliver frame carries key material.
 */
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import type { Clock } from "../../time/clock";
import { AgentTimeoutError } from "../node-agent";
import { PROTOCOL_VERSION, REQUESTS, type AnswerBody, type RequestBody, type RequestType } from "../protocol/agent-protocol";

/** The agent answered a request with an error frame (e.g. `faults_disabled`). */
export class AgentRefusedError extends Error {
  constructor(readonly nodeId: string, readonly code: string, message: string) {
    super(`node ${nodeId} refused: ${code}: ${message}`);
    this.name = "AgentRefusedError";
  }
}

/** The session ended (socket closed) before the agent answered. */
export class AgentGoneError extends Error {
  constructor(readonly nodeId: string) {
    super(`node ${nodeId} has no live agent session`);
    this.name = "AgentGoneError";
  }
}

interface Pending {
  type: RequestType;
  resolve(body: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface SessionInfo {
  nodeId: string;
  agentVersion: string;
  storeId: string;
  agentStartedAt: string;
  connectedAt: Date;
}

export class AgentSession {
  private readonly pending = new Map<string, Pending>();
  lastHeartbeatAt: Date;
  heldKeys: number;
  closed = false;
  /** Answered a ping since the last liveness round (ws-level, not the protocol heartbeat). */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    readonly info: SessionInfo,
    heldKeys: number,
    private readonly clock: Clock,
  ) {
    this.lastHeartbeatAt = info.connectedAt;
    this.heldKeys = heldKeys;
  }

  get nodeId(): string {
    return this.info.nodeId;
  }

  /** Sends a request and awaits its answer (validated against the protocol), at most `timeoutMs`. */
  request<T extends RequestType>(type: T, body: RequestBody<T>, timeoutMs: number): Promise<AnswerBody<T>> {
    if (this.closed) return Promise.reject(new AgentGoneError(this.nodeId));
    const id = randomUUID();
    return new Promise<AnswerBody<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentTimeoutError(this.nodeId, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { type, resolve: resolve as (b: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, body }), (err) => {
        if (err) this.settle(id, new AgentGoneError(this.nodeId));
      });
    });
  }

  /** An answer frame from the agent; false when it answers nothing we asked or does not match its schema. */
  answer(re: string, ok: boolean, body: unknown, error?: { code: string; message: string }): boolean {
    const p = this.pending.get(re);
    if (!p) return true; // a late answer to a request that timed out: harmless
    if (!ok) {
      this.settle(re, new AgentRefusedError(this.nodeId, error?.code ?? "error", error?.message ?? ""));
      return true;
    }
    const parsed = REQUESTS[p.type].answer.safeParse(body);
    if (!parsed.success) {
      this.settle(re, new AgentRefusedError(this.nodeId, "invalid_answer", `the ${p.type} answer does not match the protocol`));
      return false;
    }
    this.settle(re, null, parsed.data);
    return true;
  }

  /** A heartbeat from the agent. */
  heartbeat(heldKeys: number): void {
    this.lastHeartbeatAt = this.clock();
    this.heldKeys = heldKeys;
  }

  /** Milliseconds since the last heartbeat, by the injected clock. */
  silentForMs(): number {
    return this.clock().getTime() - this.lastHeartbeatAt.getTime();
  }

  /** Marks the session ended and fails every request still waiting. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.settle(id, new AgentGoneError(this.nodeId));
  }

  private settle(id: string, err: Error | null, body?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(body);
  }
}
