/**
 * Reading TRPCClientErrors for the UI: the human message the server wrote, whether
 * a thing does not exist, and the per-field messages of a validation failure.
 */
import { TRPCClientError } from "@trpc/client";

interface ErrorData {
  code?: string;
  /** The server's DomainError code (e.g. CONCURRENT_UPDATE), when the error came from one. */
  domainCode?: string | null;
  httpStatus?: number;
  zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
}

function dataOf(error: unknown): ErrorData | undefined {
  return error instanceof TRPCClientError ? (error.data as ErrorData | undefined) : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong; nothing was changed.";
}

export function errorCode(error: unknown): string | undefined {
  return dataOf(error)?.code;
}

export function domainCode(error: unknown): string | null {
  return dataOf(error)?.domainCode ?? null;
}

export function isNotFound(error: unknown): boolean {
  return errorCode(error) === "NOT_FOUND";
}

/** Field name -> first message, from the zod error the server flattened. */
export function fieldErrors(error: unknown): Record<string, string> {
  const fe = dataOf(error)?.zodError?.fieldErrors ?? {};
  const out: Record<string, string> = {};
  for (const [field, messages] of Object.entries(fe)) {
    const first = messages?.[0];
    if (first) out[field] = first;
  }
  return out;
}
