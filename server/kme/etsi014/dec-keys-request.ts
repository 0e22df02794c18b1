/**
 * The Key IDs request of `dec_keys` (Table 12, §4.3): GET with exactly one
 * `key_ID`, or POST `{"key_IDs":[{"key_ID":UUID},…]}`. A bare-string array is the
 * most common interop mistake and is refused, never coerced. `readDecKeysRequest`
 * is step 4 (syntax and JSON types); `checkKeyIds` is the first two rows of the
 * refusal table (shape, then UUIDs) and returns the IDs lower-cased.
 */
import type { DeliveryLimits } from "./kme-ports";
import { accept, badRequest, refuse, type Checked, type Refusal } from "./refusals";
import type { Route } from "./route-request";
import { clip, isJsonObject, knownMembersOnly, queryPairs, readJsonObject, requireNoBody } from "./request-syntax";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key_ID values as received: strings are checked as UUIDs in step 6, anything else is malformed. */
export type RawKeyIds = unknown[];

export function readDecKeysRequest(route: Route, body: Uint8Array, limits: DeliveryLimits): Checked<RawKeyIds> {
  return route.method === "GET" ? readGet(route.query, body, limits) : readPost(body, limits);
}

function readGet(query: string, body: Uint8Array, limits: DeliveryLimits): Checked<RawKeyIds> {
  const noBody = requireNoBody(body);
  if (!noBody.ok) return noBody;
  const pairs = queryPairs(query);
  const [only] = pairs;
  if (pairs.length !== 1 || only === undefined || only[0] !== "key_ID") return refuse(keyIdsInvalid(limits, "a GET takes exactly one key_ID parameter"));
  return accept([only[1]]);
}

function readPost(body: Uint8Array, limits: DeliveryLimits): Checked<RawKeyIds> {
  const read = readJsonObject(body);
  if (!read.ok) return read;
  if (read.value === null) return refuse(keyIdsInvalid(limits, "the body is empty"));
  const known = knownMembersOnly(read.value, ["key_IDs", "key_IDs_extension"], "the Key IDs request");
  if (!known.ok) return known;
  const { key_IDs: list, key_IDs_extension: extension } = read.value;
  if (extension !== undefined && !isJsonObject(extension)) return refuse(keyIdsInvalid(limits, "key_IDs_extension shall be an object"));
  if (!Array.isArray(list)) return refuse(keyIdsInvalid(limits, "key_IDs is missing or not an array"));
  const ids: unknown[] = [];
  for (const entry of list) {
    if (!isJsonObject(entry)) return refuse(keyIdsInvalid(limits, "each entry shall be an object, not a bare key ID"));
    const members = knownMembersOnly(entry, ["key_ID", "key_ID_extension"], "a key_IDs entry");
    if (!members.ok) return members;
    if (!("key_ID" in entry)) return refuse(keyIdsInvalid(limits, "an entry has no key_ID"));
    if (entry.key_ID_extension !== undefined && !isJsonObject(entry.key_ID_extension)) {
      return refuse(keyIdsInvalid(limits, "key_ID_extension shall be an object"));
    }
    ids.push(entry.key_ID);
  }
  return accept(ids);
}

/** Rows 1–2: non-empty, at most max, no duplicates; then every key_ID a UUID. */
export function checkKeyIds(raw: RawKeyIds, limits: DeliveryLimits): Checked<string[]> {
  if (raw.length === 0) return refuse(keyIdsInvalid(limits, "key_IDs is empty"));
  if (raw.length > limits.maxKeyPerRequest) return refuse(keyIdsInvalid(limits, `${raw.length} key IDs requested`));
  const seen = new Set<string>();
  for (const id of raw) {
    // UUIDs are case-insensitive: "A…" and "a…" name one key and would claim it twice.
    const norm = typeof id === "string" ? `s:${id.toLowerCase()}` : `j:${JSON.stringify(id)}`;
    if (seen.has(norm)) return refuse(keyIdsInvalid(limits, "a key_ID is repeated"));
    seen.add(norm);
  }
  const malformed = raw.filter((id) => !(typeof id === "string" && UUID.test(id)));
  if (malformed.length > 0) {
    const details = malformed.map((id) => ({ key_ID: typeof id === "string" ? clip(id) : id === null ? null : typeof id, qecnet_reason: "malformed" }));
    return refuse({ status: 400, reason: "malformed", message: "key_ID is not a UUID", details });
  }
  return accept(raw.map((id) => (id as string).toLowerCase()));
}

function keyIdsInvalid(limits: DeliveryLimits, why: string): Refusal {
  return badRequest(
    "key_ids_invalid",
    `key_IDs shall be a non-empty array of {"key_ID": UUID} objects, at most ${limits.maxKeyPerRequest}, without duplicates`,
    { problem: why },
  );
}
