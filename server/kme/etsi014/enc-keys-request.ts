/**
 * The Key request of `enc_keys` (Table 10, §4.2) in its two forms: GET with only
 * `number` and `size` as decimal integers, POST with a JSON object (an empty body
 * and `{}` both mean number 1 at the policy key size). `readEncKeysRequest` is
 * step 4 (syntax and JSON types); `checkNumber` and `checkSize` are the first rows
 * of the refusal table, in its order (multiple of 8 before the range).
 */
import type { DeliveryLimits } from "./kme-ports";
import { readExtensionLists, type ExtensionLists } from "./extensions";
import { PRESCRIBED, accept, badRequest, refuse, type Checked, type Refusal } from "./refusals";
import type { Route } from "./route-request";
import {
  clip,
  isJsonInteger,
  knownMembersOnly,
  parseDecimalInteger,
  queryPairs,
  quoteName,
  readJsonObject,
  requireNoBody,
} from "./request-syntax";

export const ENC_KEYS_MEMBERS = ["number", "size", "additional_slave_SAE_IDs", "extension_mandatory", "extension_optional"] as const;

export interface EncKeysSyntax {
  number: number | undefined;
  size: number | undefined;
  additionalSlaves: string[];
  extensions: ExtensionLists;
}

const NO_EXTENSIONS: ExtensionLists = { mandatory: [], optional: [] };

export function readEncKeysRequest(route: Route, body: Uint8Array, limits: DeliveryLimits): Checked<EncKeysSyntax> {
  return route.method === "GET" ? readGet(route.query, body, limits) : readPost(body, limits);
}

function readGet(query: string, body: Uint8Array, limits: DeliveryLimits): Checked<EncKeysSyntax> {
  const noBody = requireNoBody(body);
  if (!noBody.ok) return noBody;
  const out: EncKeysSyntax = { number: undefined, size: undefined, additionalSlaves: [], extensions: NO_EXTENSIONS };
  for (const [name, raw] of queryPairs(query)) {
    // Clause 6.2: anything beyond number and size is a POST request.
    if (name !== "number" && name !== "size") {
      return refuse(badRequest("unknown_member", `unknown query parameter ${quoteName(name)}: only number and size, other requests use POST`, { member: clip(name) }));
    }
    const value = parseDecimalInteger(raw);
    if (out[name] !== undefined || value === null) return refuse(name === "number" ? numberInvalid(raw, limits) : sizeInvalid(raw));
    out[name] = value;
  }
  return accept(out);
}

function readPost(body: Uint8Array, limits: DeliveryLimits): Checked<EncKeysSyntax> {
  const read = readJsonObject(body);
  if (!read.ok) return read;
  const obj = read.value ?? {};
  const known = knownMembersOnly(obj, ENC_KEYS_MEMBERS, "the Key request");
  if (!known.ok) return known;
  const { number, size, additional_slave_SAE_IDs: slaves } = obj;
  if (number !== undefined && !isJsonInteger(number)) return refuse(numberInvalid(number, limits));
  if (size !== undefined && !isJsonInteger(size)) return refuse(sizeInvalid(size));
  if (slaves !== undefined && !(Array.isArray(slaves) && slaves.every((s) => typeof s === "string"))) {
    return refuse(badRequest("additional_slaves_invalid", "additional_slave_SAE_IDs shall be an array of SAE ID strings"));
  }
  const extensions = readExtensionLists(obj);
  if (!extensions.ok) return extensions;
  return accept({ number, size, additionalSlaves: slaves ?? [], extensions: extensions.value });
}

/**
 * The keys an enc_keys request asks for, read before the request is judged (the limits are not known yet): its
 * `number` (1 when absent) if the request reads as one, else undefined. Only a hint for how far the hub counts the
 * pool (KmePorts.forRequest); the request is judged by readEncKeysRequest and checkNumber as always.
 */
export function requestedNumber(route: Route, body: Uint8Array): number | undefined {
  const read = readEncKeysRequest(route, body, HINT_LIMITS);
  if (!read.ok) return undefined;
  const n = read.value.number ?? 1;
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}
/** Only the messages of a refusal quote limits, and a hint's refusal is never shown. */
const HINT_LIMITS: DeliveryLimits = { keySizeBits: 0, minKeySizeBits: 0, poolTarget: 0, maxKeyPerRequest: 0, maxSaeIdCount: 0 };

/** Row 1: number defaults to 1 and is an integer from 1 to max_key_per_request. */
export function checkNumber(number: number | undefined, limits: DeliveryLimits): Checked<number> {
  const n = number ?? 1;
  if (n < 1 || n > limits.maxKeyPerRequest) return refuse(numberInvalid(n, limits));
  return accept(n);
}

/** Rows 2–4: size defaults to the policy key size; a multiple of 8 (checked before the range), in min..max bits. */
export function checkSize(size: number | undefined, limits: DeliveryLimits): Checked<number> {
  const s = size ?? limits.keySizeBits;
  if (s % 8 !== 0) return refuse(badRequest("size_not_multiple_of_8", PRESCRIBED.sizeNotMultipleOf8, { size: s }));
  if (s < limits.minKeySizeBits || s > limits.keySizeBits) {
    return refuse(
      badRequest("size_out_of_range", `size shall be from ${limits.minKeySizeBits} to ${limits.keySizeBits} bits`, {
        size: s,
        min_key_size: limits.minKeySizeBits,
        max_key_size: limits.keySizeBits,
      }),
    );
  }
  return accept(s);
}

function numberInvalid(value: unknown, limits: DeliveryLimits): Refusal {
  return badRequest("number_invalid", `number shall be an integer from 1 to ${limits.maxKeyPerRequest}`, { number: echo(value) });
}

function sizeInvalid(value: unknown): Refusal {
  return badRequest("size_invalid", "size shall be an integer number of bits", { size: echo(value) });
}

/** The offending value as received, when it is a scalar worth showing. */
function echo(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (typeof value === "string") return clip(value);
  return Array.isArray(value) ? "array" : "object";
}
