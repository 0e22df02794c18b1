/**
 * Typed errors for the key-material module.
 *
 * Callers branch on `code` (e.g. to map to an API error) rather than parsing
 * messages. Messages are shown to operators and logged, so they must never
 * contain key bytes, master-key values or any other secret.
 */

export type KeyMaterialErrorCode =
  | "INVALID_KEY_SIZE"
  | "INVALID_MASTER_KEY"
  | "MASTER_KEY_FILE_INSECURE"
  | "MATERIAL_AUTHENTICATION_FAILED";

export class KeyMaterialError extends Error {
  constructor(
    readonly code: KeyMaterialErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KeyMaterialError";
  }
}
