/**
 * Canonical JSON for the audit chain, in the style of RFC 8785 (JCS).
 *
 * An entry's hash is taken over this text, so the same logical value must
 * always give the same bytes, and two different values must never give the
 * same bytes. That is why this serializer refuses, rather than coerces,
 * everything JSON.stringify would silently change or drop: undefined, NaN,
 * Infinity, bigint, Dates, Maps, class instances, symbol keys, cycles.
 * Callers convert such values explicitly (bigint and Date to strings) before
 * they reach the chain.
 *
 * Pure: no I/O, no dependencies.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonArray = JsonValue[];
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;

/** Thrown for any value canonicalJson refuses; `path` points at it, e.g. `$.details.peers[2]`. */
export class CanonicalJsonError extends Error {
  override readonly name = "CanonicalJsonError";
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Cannot canonicalize ${path}: ${reason}`);
  }
}

/**
 * Serializes `value` canonically: object keys sorted by UTF-16 code units,
 * no whitespace, strings escaped as JSON.stringify escapes them, numbers in
 * ECMAScript shortest form. Throws CanonicalJsonError for anything that is
 * not plain JSON data.
 */
export function canonicalJson(value: unknown): string {
  // The fast serializer keeps no paths; when it refuses something, the careful
  // one runs again to say where (refusals are rare: they are programming errors).
  try {
    return fast(value, 0);
  } catch (err) {
    if (err !== REFUSED) throw err;
  }
  return serialize(value, "$", new Set<object>());
}

/**
 * canonicalJson of a string (what the chain's text fields go through for
 * every entry): the same text and the same error, without the general path.
 */
export function canonicalString(s: string): string {
  const quoted = fastString(s);
  return quoted ?? serializeString(s, "$");
}

const REFUSED = Symbol("refused");
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/**
 * Deeper than this the fast serializer gives up and the careful one runs
 * (which detects cycles with its ancestor set): counting depth instead of
 * keeping a Set per call is what makes the fast path allocation-free, and a
 * cycle is just a structure deeper than any limit.
 */
const FAST_MAX_DEPTH = 64;

// Any character JSON.stringify would escape (", \, controls) or a surrogate half
// (a pair is fine, a lone half is refused): without one, the quoted string is the text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_CARE = /["\\\u0000-\u001f\uD800-\uDFFF]/;

/** The JSON text of a string that needs no escaping, JSON.stringify's for one that does, null if it has a lone surrogate. */
function fastString(s: string): string | null {
  if (!NEEDS_CARE.test(s)) return `"${s}"`;
  return LONE_SURROGATE.test(s) ? null : JSON.stringify(s);
}

/** canonicalJson without error paths: the same bytes for what it accepts, REFUSED for what it does not. */
function fast(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string": {
      const quoted = fastString(value);
      if (quoted === null) throw REFUSED;
      return quoted;
    }
    case "number":
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) throw REFUSED;
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw REFUSED;
  }
  if (value === null) return "null";
  if (depth >= FAST_MAX_DEPTH) throw REFUSED;
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + fast(value[i], depth + 1);
    out += "]";
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(value).length > 0) throw REFUSED;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length > 1) keys.sort();
    out = "{";
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const quoted = fastString(key);
      if (quoted === null) throw REFUSED;
      out += (i ? "," : "") + quoted + ":" + fast(record[key], depth + 1);
    }
    out += "}";
  }
  return out;
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case "string":
      return serializeString(value, path);
    case "number":
      return serializeNumber(value, path);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      throw new CanonicalJsonError(
        path,
        "undefined is not JSON (JSON.stringify would drop it, so two different inputs would hash alike)",
      );
    case "bigint":
      throw new CanonicalJsonError(path, "bigint is not JSON; convert it to a decimal string first");
    case "function":
    case "symbol":
      throw new CanonicalJsonError(path, `a ${typeof value} is not JSON`);
    case "object":
      break;
  }
  if (value === null) return "null";
  if (ancestors.has(value)) throw new CanonicalJsonError(path, "circular reference");

  ancestors.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, path, ancestors);
    return serializeObject(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

// In a `u` regex a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function serializeString(s: string, path: string): string {
  // I-JSON (which RFC 8785 builds on) forbids lone surrogates; PostgreSQL
  // jsonb rejects them too, so such a string could never be stored as hashed.
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError(path, "string contains a lone UTF-16 surrogate");
  return JSON.stringify(s);
}

function serializeNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) throw new CanonicalJsonError(path, `${n} is not a finite number`);
  // Past 2^53 integers are no longer exact: such a value almost always means
  // an int64/bigint was squeezed into a double and already lost digits.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    throw new CanonicalJsonError(path, `${n} is beyond Number.MAX_SAFE_INTEGER; pass it as a decimal string`);
  }
  // String(n) is the ECMAScript Number-to-String algorithm RFC 8785 mandates; it also maps -0 to "0".
  return String(n);
}

function serializeArray(arr: readonly unknown[], path: string, ancestors: Set<object>): string {
  const parts: string[] = [];
  for (let i = 0; i < arr.length; i++) {
    // A hole reads as undefined, which is refused like an explicit undefined.
    parts.push(serialize(arr[i], `${path}[${i}]`, ancestors));
  }
  return `[${parts.join(",")}]`;
}

function serializeObject(obj: object, path: string, ancestors: Set<object>): string {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const kind = obj instanceof Date ? "a Date (pass an ISO string)" : `a ${obj.constructor?.name ?? "non-plain"} object`;
    throw new CanonicalJsonError(path, `${kind} is not plain JSON data`);
  }
  if (Object.getOwnPropertySymbols(obj).length > 0) {
    throw new CanonicalJsonError(path, "symbol-keyed properties are not JSON");
  }
  const record = obj as Record<string, unknown>;
  // Default sort compares UTF-16 code units, exactly what RFC 8785 §3.2.3 asks for.
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const keyPath = `${path}${PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
    const keyJson = serializeString(key, keyPath);
    parts.push(`${keyJson}:${serialize(record[key], keyPath, ancestors)}`);
  }
  return `{${parts.join(",")}}`;
}
