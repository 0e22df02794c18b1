/**
 * Step 4 of the validation order, the part shared by the three methods (§4.0):
 * body size, UTF-8, strict JSON, "a JSON object", known members only, and the
 * query string of the GET forms. A body that does not parse is refused, never
 * read as the default request (thomasarmel's KME answers a broken body with a key).
 */
import { firstDuplicateMember } from "./duplicate-members";
import { accept, badRequest, refuse, type Checked } from "./refusals";

export const MAX_BODY_BYTES = 64 * 1024;

export type JsonObject = Record<string, unknown>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as a JSON object, or null for an empty body (whether that is allowed is the method's call). */
export function readJsonObject(body: Uint8Array): Checked<JsonObject | null> {
  if (body.byteLength > MAX_BODY_BYTES) {
    return refuse(badRequest("body_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES }));
  }
  if (body.byteLength === 0) return accept(null);
  let parsed: unknown;
  let text: string;
  try {
    text = utf8.decode(body);
    parsed = JSON.parse(text);
  } catch {
    // The parser's own message quotes the body; ours says only what is wrong.
    return refuse(badRequest("malformed_json", "request body is not valid UTF-8 JSON"));
  }
  if (!isJsonObject(parsed)) return refuse(badRequest("body_not_object", "request body shall be a JSON object"));
  const twice = firstDuplicateMember(text);
  if (twice !== null) return refuse(badRequest("duplicate_member", `member ${quoteName(twice)} is given twice`, { member: clip(twice) }));
  return accept(parsed);
}

/** A GET carries its request in the query string; a body would be silently ignored, so it is refused. */
export function requireNoBody(body: Uint8Array): Checked<null> {
  if (body.byteLength > MAX_BODY_BYTES) {
    return refuse(badRequest("body_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES }));
  }
  if (body.byteLength > 0) return refuse(badRequest("body_not_allowed", "a GET request carries no body; send the request with POST"));
  return accept(null);
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Refuses the first member (in body order) that `known` does not list. */
export function knownMembersOnly(obj: JsonObject, known: readonly string[], where: string): Checked<JsonObject> {
  for (const name of Object.keys(obj)) {
    if (!known.includes(name)) {
      return refuse(badRequest("unknown_member", `unknown member ${quoteName(name)} in ${where}`, { member: clip(name) }));
    }
  }
  return accept(obj);
}

/** The query string as (name, value) pairs in order; names may repeat. */
export function queryPairs(query: string): Array<[string, string]> {
  if (query === "") return [];
  return [...new URLSearchParams(query)];
}

/** A name echoed back to the client is clipped: it is the client's own input, but unbounded. */
export function clip(s: string, max = 64): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

export function quoteName(s: string): string {
  return JSON.stringify(clip(s));
}

/** A JSON number with an integer value (1.5, "2", true and null are not). */
export function isJsonInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** A GET parameter holding a decimal integer (sign allowed: -1 is an integer, refused later as out of range). */
export function parseDecimalInteger(s: string): number | null {
  return /^-?[0-9]{1,15}$/.test(s) ? Number(s) : null;
}
