/**
 * The HTTP answer of the KME as plain data (status, headers, JSON text), so the
 * protocol layer stays independent of the server that sends it. Every answer is
 * JSON in UTF-8 with `Cache-Control: no-store` (§4.0); error bodies are Table 13's
 * `{message, details:[object…]}`, 503s carry `Retry-After` and 405s `Allow`.
 */
import type { Refusal } from "./refusals";

export interface Etsi014Response {
  status: 200 | 400 | 401 | 404 | 405 | 503;
  headers: Record<string, string>;
  /** The JSON text of the body (UTF-8 when encoded). */
  body: string;
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

function baseHeaders(): Record<string, string> {
  return { "Content-Type": JSON_CONTENT_TYPE, "Cache-Control": "no-store" };
}

export function okResponse(body: unknown): Etsi014Response {
  return { status: 200, headers: baseHeaders(), body: JSON.stringify(body) };
}

export function refusalResponse(refusal: Refusal): Etsi014Response {
  const headers = baseHeaders();
  if (refusal.retryAfterSeconds !== undefined) headers["Retry-After"] = String(refusal.retryAfterSeconds);
  if (refusal.allow !== undefined) headers.Allow = refusal.allow.join(", ");
  return { status: refusal.status, headers, body: JSON.stringify({ message: refusal.message, details: refusal.details }) };
}
