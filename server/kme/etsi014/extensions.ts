/**
 * `extension_mandatory` and `extension_optional` of a Key request, per clause 6.2
 * (§4.2): each is an array of objects whose members are extension names. What we
 * support works in both lists (mandatory = required, optional = a preference);
 * an unsupported mandatory name refuses the request with the clause 6.5 message,
 * an unknown optional name is ignored and reported back in
 * `key_container_extension.qecnet_ignored_extensions`.
 */
import type { RouteConstraints } from "./kme-ports";
import { PRESCRIBED, accept, badRequest, refuse, type Checked, type Detail } from "./refusals";
import { clip, isJsonInteger, isJsonObject, type JsonObject } from "./request-syntax";

export const SUPPORTED_EXTENSIONS = ["qecnet_avoid_nodes", "qecnet_max_relays", "qecnet_key_metadata", "qecnet_notices"] as const;
type Supported = (typeof SUPPORTED_EXTENSIONS)[number];
const isSupported = (name: string): name is Supported => (SUPPORTED_EXTENSIONS as readonly string[]).includes(name);

export const MAX_RELAYS_LIMIT = 64;
const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

type List = "extension_mandatory" | "extension_optional";
export type ExtensionEntries = Array<[name: string, value: unknown]>;
export interface ExtensionLists {
  mandatory: ExtensionEntries;
  optional: ExtensionEntries;
}

export interface ExtensionRequest {
  /** Whether the request named any extension: only then is there a key_container_extension. */
  carried: boolean;
  required: RouteConstraints;
  /** Supported route extensions that were mandatory, in request order (to name an unmet one). */
  requiredNames: Array<"qecnet_avoid_nodes" | "qecnet_max_relays">;
  preferred: RouteConstraints;
  keyMetadata: boolean;
  notices: boolean;
  ignored: string[];
}

/** Step 4: both members, when present, are arrays of objects. */
export function readExtensionLists(body: JsonObject): Checked<ExtensionLists> {
  const mandatory = entriesOf(body, "extension_mandatory");
  if (!mandatory.ok) return mandatory;
  const optional = entriesOf(body, "extension_optional");
  if (!optional.ok) return optional;
  return accept({ mandatory: mandatory.value, optional: optional.value });
}

function entriesOf(body: JsonObject, list: List): Checked<ExtensionEntries> {
  const value = body[list];
  if (value === undefined) return accept([]);
  if (!Array.isArray(value) || !value.every(isJsonObject)) {
    return refuse(badRequest("extension_invalid", `${list} shall be an array of objects`, { member: list }));
  }
  return accept(value.flatMap((obj) => Object.entries(obj)));
}

/** Step 6, refusal-table rows "extension_* invalid" then "extension_mandatory name not supported". */
export function checkExtensions(lists: ExtensionLists): Checked<ExtensionRequest> {
  const out: ExtensionRequest = {
    carried: lists.mandatory.length + lists.optional.length > 0,
    required: { avoidNodes: [], maxRelays: null },
    requiredNames: [],
    preferred: { avoidNodes: [], maxRelays: null },
    keyMetadata: false,
    notices: false,
    ignored: [],
  };
  for (const list of ["extension_mandatory", "extension_optional"] as const) {
    const entries = list === "extension_mandatory" ? lists.mandatory : lists.optional;
    const seen = new Set<string>();
    for (const [name, value] of entries) {
      if (seen.has(name)) return refuse(invalid(list, `${clip(name)} is given twice`));
      seen.add(name);
      if (!isSupported(name)) continue;
      const problem = valueProblem(name, value);
      if (problem !== null) return refuse(invalid(list, `${name} ${problem}`));
      apply(out, list, name, value);
    }
  }
  const unsupported = lists.mandatory.map(([name]) => name).filter((name) => !isSupported(name));
  if (unsupported.length > 0) {
    const details: Detail[] = unsupported.map((name) => ({ extension_mandatory_unsupported: `${clip(name)} is not supported` }));
    details.push({ qecnet_reason: "extension_mandatory_unsupported" });
    return refuse({ status: 400, reason: "extension_mandatory_unsupported", message: PRESCRIBED.mandatoryUnsupported, details });
  }
  out.ignored = lists.optional.map(([name]) => name).filter((name) => !isSupported(name));
  return accept(out);
}

function invalid(list: List, problem: string) {
  // A bad value of an optional extension we do support is a request we cannot honour as asked; saying
  // nothing would serve keys the client believes are constrained, so it is refused like a mandatory one.
  const message = list === "extension_mandatory" ? `extension_mandatory: ${problem}` : PRESCRIBED.optionalNotHandled;
  return badRequest("extension_invalid", message, { [`${list}_invalid`]: problem });
}

function valueProblem(name: Supported, value: unknown): string | null {
  switch (name) {
    case "qecnet_avoid_nodes":
      return Array.isArray(value) && value.length > 0 && value.length <= 64 && value.every((v) => typeof v === "string" && NODE_ID.test(v))
        ? null
        : "shall be a non-empty array of node ids";
    case "qecnet_max_relays":
      return isJsonInteger(value) && value >= 0 && value <= MAX_RELAYS_LIMIT ? null : `shall be an integer from 0 to ${MAX_RELAYS_LIMIT}`;
    case "qecnet_key_metadata":
    case "qecnet_notices":
      return typeof value === "boolean" ? null : "shall be true or false";
  }
}

function apply(out: ExtensionRequest, list: List, name: Supported, value: unknown): void {
  const target = list === "extension_mandatory" ? out.required : out.preferred;
  if (name === "qecnet_avoid_nodes") {
    target.avoidNodes = [...new Set(value as string[])];
    if (list === "extension_mandatory") out.requiredNames.push(name);
  } else if (name === "qecnet_max_relays") {
    target.maxRelays = value as number;
    if (list === "extension_mandatory") out.requiredNames.push(name);
  } else if (name === "qecnet_key_metadata") {
    out.keyMetadata ||= value === true;
  } else {
    out.notices ||= value === true;
  }
}
