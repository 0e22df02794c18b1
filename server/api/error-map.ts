/**
 * The one place where domain error codes become tRPC (and so HTTP) codes.
 * Unknown errors become a generic message: internals and material never reach
 * the browser.
 */
import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { DomainError, type DomainErrorCode } from "../domain/errors/domain-error";

export const DOMAIN_TO_TRPC: Record<DomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: "BAD_REQUEST",
  KEY_NOT_FOUND: "NOT_FOUND",
  NODE_NOT_FOUND: "BAD_REQUEST",
  TRANSITION_REFUSED: "CONFLICT",
  GUARD_FAILED: "PRECONDITION_FAILED",
  CONCURRENT_UPDATE: "CONFLICT",
  RECEIPT_INVALID: "BAD_REQUEST",
  RETRY_LIMIT_REACHED: "CONFLICT",
  GENERATION_FAILED: "INTERNAL_SERVER_ERROR",
  AUDIT_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  MASTER_KEY_MISMATCH: "INTERNAL_SERVER_ERROR",
  MESH_ELEMENT_NOT_FOUND: "NOT_FOUND",
  TOPOLOGY_CONFLICT: "CONFLICT",
  AUDIT_NOT_FOUND: "NOT_FOUND",
  AUDIT_TAMPERED: "INTERNAL_SERVER_ERROR",
  NOT_PERMITTED: "FORBIDDEN",
  USER_NOT_FOUND: "NOT_FOUND",
  USER_EXISTS: "CONFLICT",
  APPROVAL_NOT_FOUND: "NOT_FOUND",
  APPROVAL_CLOSED: "CONFLICT",
  APPROVAL_DUPLICATE: "CONFLICT",
  APPROVAL_RULE_INVALID: "PRECONDITION_FAILED",
  DUPLICATE_VOTE: "CONFLICT",
  INCIDENT_NOT_FOUND: "NOT_FOUND",
  INCIDENT_OPEN: "CONFLICT",
  POLICY_NOT_FOUND: "NOT_FOUND",
  POLICY_EXISTS: "CONFLICT",
  SAE_NOT_FOUND: "NOT_FOUND",
  SAE_EXISTS: "CONFLICT",
  POLICY_IN_USE: "CONFLICT",
  POLICY_BUILT_IN: "CONFLICT",
  // The browser reads domainCode: enrolment sends the user to /account/security, a step-up prompts for the code and retries.
  SECOND_FACTOR_ENROLMENT_REQUIRED: "FORBIDDEN",
  SECOND_FACTOR_REQUIRED: "FORBIDDEN",
};

export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof DomainError) {
    // Domain messages are written for operators and carry no material, so they are shown even for server-side faults.
    return new TRPCError({ code: DOMAIN_TO_TRPC[err.code], message: err.message, cause: err });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal error; nothing was changed. See the server log.", cause: err as Error });
}
