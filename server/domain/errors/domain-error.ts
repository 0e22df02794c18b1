/**
 * Typed errors of the domain. Services throw these with a code; the API layer
 * maps codes to tRPC/HTTP codes in one place (server/api/error-map.ts).
 * Messages are written for the operator who reads them, and never carry key
 * material.
 */
export const DOMAIN_ERROR_CODES = [
  "INVALID_INPUT",
  "KEY_NOT_FOUND",
  "NODE_NOT_FOUND",
  "TRANSITION_REFUSED",
  "GUARD_FAILED",
  "CONCURRENT_UPDATE",
  "RECEIPT_INVALID",
  "RETRY_LIMIT_REACHED",
  "GENERATION_FAILED",
  "AUDIT_UNAVAILABLE",
  "MASTER_KEY_MISMATCH",
  "MESH_ELEMENT_NOT_FOUND",
  "TOPOLOGY_CONFLICT",
  "AUDIT_NOT_FOUND",
  "AUDIT_TAMPERED",
  // sign-in, users and approvals
  "NOT_PERMITTED",
  "USER_NOT_FOUND",
  "USER_EXISTS",
  "APPROVAL_NOT_FOUND",
  "APPROVAL_CLOSED",
  "APPROVAL_DUPLICATE",
  "APPROVAL_RULE_INVALID",
  "DUPLICATE_VOTE",
  // compromise recovery
  "INCIDENT_NOT_FOUND",
  "INCIDENT_OPEN",
  // key policies
  "POLICY_NOT_FOUND",
  "POLICY_EXISTS",
  "POLICY_IN_USE",
  "POLICY_BUILT_IN",
  // application registry (server/kme/registry)
  "SAE_NOT_FOUND",
  "SAE_EXISTS",
  // second factor (server/auth/second-factor.ts)
  "SECOND_FACTOR_ENROLMENT_REQUIRED",
  "SECOND_FACTOR_REQUIRED",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

// A registry-wide symbol: Next.js bundles each route (and instrumentation) with
// its own copy of this module, and the services are shared through globalThis,
// so an error thrown by one bundle's class must still be a DomainError to another.
const DOMAIN_ERROR_BRAND = Symbol.for("qecnet.DomainError");

export class DomainError extends Error {
  readonly [DOMAIN_ERROR_BRAND] = true;

  /**
   * `err instanceof DomainError` holds for domain errors thrown by any copy of
   * this module: the services may have been loaded by another route's bundle
   * than the error map that checks them. Subclasses keep the ordinary check.
   */
  static override [Symbol.hasInstance](v: unknown): boolean {
    if (this !== DomainError) return Function.prototype[Symbol.hasInstance].call(this, v);
    return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[DOMAIN_ERROR_BRAND] === true;
  }

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, string | number | boolean | null> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}
