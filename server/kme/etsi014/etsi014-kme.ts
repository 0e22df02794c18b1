/**
 * The ETSI GS QKD 014 v1.1.1 protocol layer of a site's KME (KEY-DELIVERY.md §4),
 * independent of HTTP servers, TLS and storage. The wiring hands it a request
 * whose caller is already authenticated (the SAE ID is the client certificate's
 * CN, §3) and sends back the status, headers and JSON text it returns.
 *
 * Layout of this folder:
 * - etsi014-kme.ts (this file): the entry point and steps 1–3 of the §4.0 order;
 * - route-request.ts: paths and methods (404, 405 + Allow);
 * - request-syntax.ts, enc-keys-request.ts, dec-keys-request.ts, extensions.ts:
 *   strict parsing (step 4) and the request-only rows of the refusal tables;
 * - common-checks.ts: hub link, caller, path SAE (steps 2, 3, 5), policy limits;
 * - status.ts, enc-keys.ts, dec-keys.ts, pool-checks.ts: the three methods (step 6);
 * - refusals.ts, kme-response.ts, key-container.ts: what goes back on the wire;
 * - kme-ports.ts: the interfaces the wiring implements (site, SAE registry, key pool).
 *
 * Order (deterministic, tests rely on it): route → hub link (503) → caller
 * registered here (401) → policy limits → syntax (400) → path SAE (400) → the
 * method's refusal table → one atomic claim. Only 200/400/401/503 for the three
 * methods. A port that throws answers 503 hub_unreachable with nothing claimed
 * by us; its exception text never reaches the answer or the log record.
 *
 * Where §4 leaves room, these are the readings taken (tests pin each one):
 * - Step 4 checks JSON *types* (`"number":"2"`, 1.5, a non-array key_IDs), step 6
 *   *values* (0, -1, max+1, duplicates); both use the table's reason code. The
 *   policy limits are read before step 4 so its messages can name the maximum.
 * - A JSON body naming a member twice is 400 `duplicate_member`; a GET with a body
 *   is 400 `body_not_allowed` (either would otherwise be silently half-read).
 * - A supported optional extension with a bad value is 400 `extension_invalid`
 *   with "not all extension_optional request options handled".
 * - `extension_mandatory_unmet` needs keys in the pool of which none meets the
 *   constraint; some-but-too-few is `pool_exhausted` (waiting may help).
 * - The master calling dec_keys with its own ID in the path gets 400 `same_sae`
 *   (step 5); naming its slave there, 401 (it is not an addressed slave).
 * - dec_keys answers 503 `site_isolated` after the per-key checks, with the 503 row.
 * - 401 bodies carry `details: [{"qecnet_reason": …}]` and no key ID.
 * - Step 3 checks, in §3's order: one CN (`caller_cn_invalid`), registered here and
 *   enabled (`caller_not_registered`), pinned certificate (`caller_cert_not_pinned`).
 *   An SAE with pins is refused when the transport gave no fingerprint (fail closed).
 */
import { DEFAULT_RETRY_AFTER, SAE_ID, checkCaller, checkHubLink, hubUnreachable, loadLimits, type RetryAfter } from "./common-checks";
import { getKeysWithIds } from "./dec-keys";
import { getKeys } from "./enc-keys";
import { requestedNumber } from "./enc-keys-request";
import type { Etsi014Ports } from "./kme-ports";
import type { Etsi014Response } from "./kme-response";
import { refused, type MethodContext, type MethodResult } from "./method-context";
import type { RefusalReason } from "./refusals";
import { routeRequest, type Endpoint } from "./route-request";
import { getStatus } from "./status";

export interface Etsi014Request {
  /** Correlates the answer, the log record and the store's delivery rows. */
  requestId: string;
  method: string;
  /** The request-target as received (path and query, origin-form). */
  target: string;
  body: Uint8Array;
  /** From the verified client certificate: its subject's CN. */
  callerSaeId: string;
  /**
   * How many CNs the certificate's subject holds, when the transport counted them; anything but 1
   * is refused with 401 at step 3 (§3: the SAE ID is the subject's single CN), whatever `callerSaeId` says.
   */
  callerCnCount?: number;
  /** Lower-case hex SHA-256 of the client certificate's DER, checked at step 3 against the SAE's pins. */
  callerCertSha256?: string;
}

/** What the module allows to be logged about a request: no key bytes, ever (§4.0 Logging). */
export interface Etsi014LogRecord {
  requestId: string;
  saeId: string;
  kmeId: string;
  method: string;
  endpoint: Endpoint | null;
  status: number;
  reason: RefusalReason | "port_failure" | null;
  keyIds: string[];
}

export interface Etsi014Outcome {
  response: Etsi014Response;
  log: Etsi014LogRecord;
}

export interface Etsi014Options {
  retryAfter?: Partial<RetryAfter>;
}

export async function handleEtsi014Request(ports: Etsi014Ports, request: Etsi014Request, options: Etsi014Options = {}): Promise<Etsi014Outcome> {
  const retry: RetryAfter = { ...DEFAULT_RETRY_AFTER, ...options.retryAfter };
  const routed = routeRequest(request.method, request.target);
  const endpoint = routed.ok ? routed.route.endpoint : null;
  const record = (result: MethodResult, reason: Etsi014LogRecord["reason"] = result.reason): Etsi014Outcome => ({
    response: result.response,
    log: {
      requestId: request.requestId,
      saeId: request.callerSaeId,
      kmeId: ports.site.kmeId,
      method: request.method,
      endpoint,
      status: result.response.status,
      reason,
      keyIds: result.keyIds,
    },
  });
  if (!routed.ok) return record(refused(routed.refusal));
  try {
    return record(await runMethod(ports, request, routed.route, retry));
  } catch {
    // Whatever failed below us (hub link dropped mid-request, store error), the client gets a 503
    // it can retry. The error text is not kept: it could quote anything, including material.
    return record(refused(hubUnreachable(retry)), "port_failure");
  }
}

async function runMethod(shared: Etsi014Ports, request: Etsi014Request, route: MethodContext["route"], retry: RetryAfter): Promise<MethodResult> {
  const hub = await checkHubLink(shared, retry);
  if (hub !== null) return refused(hub);
  const valid = (id: string | null) => (id !== null && SAE_ID.test(id) ? id : null);
  const ports = shared.forRequest
    ? await shared.forRequest({
        callerSaeId: valid(request.callerSaeId), pathSaeId: valid(route.pathSaeId), endpoint: route.endpoint, requestId: request.requestId,
        ...(route.endpoint === "enc_keys" ? { number: requestedNumber(route, request.body) } : {}),
      })
    : shared;
  const caller = await checkCaller(ports, request);
  if (caller !== null) return refused(caller);
  const limits = await loadLimits(ports, retry);
  if (!limits.ok) return refused(limits.refusal);
  const ctx: MethodContext = {
    ports,
    retry,
    requestId: request.requestId,
    callerSaeId: request.callerSaeId,
    route,
    body: request.body,
    limits: limits.value,
  };
  switch (route.endpoint) {
    case "status":
      return getStatus(ctx);
    case "enc_keys":
      return getKeys(ctx);
    case "dec_keys":
      return getKeysWithIds(ctx);
  }
}
