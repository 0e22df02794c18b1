/**
 * Public surface of the key-material module: entropy, master key, sealing at
 * rest, fingerprints/receipts and zeroisation. Consumers import from here so
 * the internal file layout can change freely.
 */

export { KeyMaterialError, type KeyMaterialErrorCode } from "./errors";
export {
  DEFAULT_HWRNG_PATH,
  detectEntropySources,
  drawKeyMaterial,
  type DrawnKeyMaterial,
  type EntropyOptions,
  type EntropySourceStatus,
} from "./entropy";
export {
  loadMasterKey,
  masterKeyId,
  MASTER_KEY_FILE_NAME,
  type LoadedMasterKey,
  type LoadMasterKeyOptions,
} from "./master-key";
export { openMaterial, sealMaterial, type SealedMaterial } from "./sealing";
export { fingerprintOf, integrityProof, receiptMac, verifyIntegrityProof, verifyReceiptMac } from "./fingerprint";
export { zeroise } from "./zeroise";
