/**
 * What each of the three methods receives once the request is routed, the hub
 * link is up, the caller is registered here and the policy limits are read
 * (steps 1–3 of §4.0), and what it hands back: the response plus the facts the
 * log record may carry (a reason code and key IDs, never key bytes).
 */
import type { RetryAfter } from "./common-checks";
import type { DeliveryLimits, Etsi014Ports } from "./kme-ports";
import type { Etsi014Response } from "./kme-response";
import { refusalResponse } from "./kme-response";
import type { Refusal, RefusalReason } from "./refusals";
import type { Route } from "./route-request";

export interface MethodContext {
  ports: Etsi014Ports;
  retry: RetryAfter;
  requestId: string;
  callerSaeId: string;
  route: Route;
  body: Uint8Array;
  limits: DeliveryLimits;
}

export interface MethodResult {
  response: Etsi014Response;
  reason: RefusalReason | null;
  keyIds: string[];
}

export function refused(refusal: Refusal, keyIds: string[] = []): MethodResult {
  return { response: refusalResponse(refusal), reason: refusal.reason, keyIds };
}
