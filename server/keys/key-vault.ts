/**
 * The hub's key vault: draws fresh material, seals it under the master key
 * (AES-256-GCM, the key id as associated data) and opens it only to check a
 * participant's receipt or integrity proof. Plaintext lives in a Buffer for microseconds and is
 * zeroised after use; only ciphertext and fingerprints leave this file.
 */
import {
  drawKeyMaterial,
  fingerprintOf,
  loadMasterKey,
  openMaterial,
  receiptMac,
  sealMaterial,
  verifyIntegrityProof,
  verifyReceiptMac,
  zeroise,
  type EntropyOptions,
} from "./material";

export interface SealedKeyMaterial {
  ciphertext: Uint8Array<ArrayBuffer>;
  nonce: Uint8Array<ArrayBuffer>;
  masterKeyId: string;
  fingerprint: string;
  entropySource: string;
}

export interface KeyVault {
  readonly masterKeyId: string;
  generate(keyId: string, sizeBits: number): SealedKeyMaterial;
  /** Whether `mac` proves possession of the key's material by `nodeId`. */
  checkReceipt(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, nodeId: string, mac: string): boolean;
  /** Whether `presented` is the integrity proof of the key's material by `nodeId` for the fresh challenge `nonceHex`. */
  checkIntegrityProof(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, nodeId: string, nonceHex: string, presented: string): boolean;
  /** What a node agent holding the key would answer; for the in-process agents. */
  receiptFor(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, nodeId: string): string;
  /**
   * Opens the material for the duration of `fn` (synchronous), to hand it to
   * node agents over the mesh; it is zeroised as soon as `fn` returns.
   */
  withMaterial<T>(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, fn: (material: Buffer) => T): T;
  /**
   * Seals material for another console instance of the same hub (same master key), which opens it with
   * withMaterialInTransit: how a delivery reaches an agent connected to another instance. Its own associated
   * data, so a sealed copy in transit never opens as a stored key, nor the reverse.
   */
  sealInTransit(keyId: string, material: Buffer): { ciphertext: Buffer; nonce: Buffer };
  withMaterialInTransit<T>(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, fn: (material: Buffer) => T): T;
}

/** The associated data of material in transit between console instances. */
const inTransit = (keyId: string) => `QECNET-INSTANCE-RELAY-V1\0${keyId}`;

const own = (b: Buffer) => new Uint8Array(b) as Uint8Array<ArrayBuffer>;

export function createKeyVault(masterKey: Buffer, masterKeyId: string, entropy: EntropyOptions & { draw?: typeof drawKeyMaterial } = {}): KeyVault {
  const draw = entropy.draw ?? drawKeyMaterial;
  function withPlain<T>(keyId: string, sealed: { ciphertext: Uint8Array; nonce: Uint8Array }, fn: (m: Buffer) => T): T {
    const plain = openMaterial(masterKey, { ciphertext: Buffer.from(sealed.ciphertext), nonce: Buffer.from(sealed.nonce) }, keyId);
    try {
      return fn(plain);
    } finally {
      zeroise(plain);
    }
  }
  return {
    masterKeyId,
    generate(keyId, sizeBits) {
      const { material, entropySource } = draw(sizeBits, entropy);
      try {
        const { ciphertext, nonce } = sealMaterial(masterKey, material, keyId);
        return { ciphertext: own(ciphertext), nonce: own(nonce), masterKeyId, fingerprint: fingerprintOf(material), entropySource };
      } finally {
        zeroise(material);
      }
    },
    checkReceipt: (keyId, sealed, nodeId, mac) => withPlain(keyId, sealed, (m) => verifyReceiptMac(m, keyId, nodeId, mac)),
    checkIntegrityProof: (keyId, sealed, nodeId, nonceHex, presented) => withPlain(keyId, sealed, (m) => verifyIntegrityProof(m, keyId, nodeId, nonceHex, presented)),
    receiptFor: (keyId, sealed, nodeId) => withPlain(keyId, sealed, (m) => receiptMac(m, keyId, nodeId)),
    withMaterial: (keyId, sealed, fn) => withPlain(keyId, sealed, fn),
    sealInTransit: (keyId, material) => sealMaterial(masterKey, material, inTransit(keyId)),
    withMaterialInTransit: (keyId, sealed, fn) => withPlain(inTransit(keyId), sealed, fn),
  };
}

/** The vault of this process: master key from QECNET_MASTER_KEY or the data folder's key file. */
export function vaultFromEnvironment(envValue: string | undefined, dataDir: string): KeyVault {
  const { key, keyId } = loadMasterKey({ envValue, dataDir });
  return createKeyVault(key, keyId);
}
