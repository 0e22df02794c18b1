/**
 * The Key container of a 200 (Table 11): the one place where key bytes become
 * base64 text, straight into the response body. Key objects carry only `key_ID`
 * and `key` (strict clients pin those two names) unless the request opted into
 * `qecnet_key_metadata`; `key_container_extension` appears only when the request
 * carried extensions. The material is checked before anything is encoded, and a
 * store answer that breaks the contract becomes a refusal that names no byte.
 */
import { Buffer } from "node:buffer";
import type { RevokedNotice } from "./kme-ports";

export interface DeliverableKey {
  keyId: string;
  material: Uint8Array;
  fetchBy?: Date;
}

export interface ContainerOptions {
  /** Bytes each key carries: the leading bytes of its material (size/8 at enc_keys). */
  bytes: (key: DeliverableKey) => number;
  keyMetadata: boolean;
  /** Present when the request carried extensions. */
  containerExtension: { ignored: readonly string[]; notices: readonly RevokedNotice[] | null } | null;
}

const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why the keys cannot be sent as they are (a broken store contract), or null when they can. */
export function containerProblem(keys: readonly DeliverableKey[], expectedIds: readonly string[] | number, bytes: (key: DeliverableKey) => number): string | null {
  const count = typeof expectedIds === "number" ? expectedIds : expectedIds.length;
  if (keys.length !== count) return `store returned ${keys.length} keys for ${count}`;
  const ids = new Set<string>();
  for (const [i, key] of keys.entries()) {
    if (!LOWER_UUID.test(key.keyId) || ids.has(key.keyId)) return "store returned an invalid or repeated key ID";
    if (typeof expectedIds !== "number" && expectedIds[i] !== key.keyId) return "store returned keys out of request order";
    ids.add(key.keyId);
    const n = bytes(key);
    if (!(key.material instanceof Uint8Array) || n < 1 || key.material.byteLength < n) return `store returned short material for ${key.keyId}`;
  }
  return null;
}

export function keyContainer(keys: readonly DeliverableKey[], options: ContainerOptions): Record<string, unknown> {
  const container: Record<string, unknown> = {
    keys: keys.map((key) => {
      const n = options.bytes(key);
      const view = Buffer.from(key.material.buffer, key.material.byteOffset, n);
      const out: Record<string, unknown> = { key_ID: key.keyId, key: view.toString("base64") };
      if (options.keyMetadata && key.fetchBy !== undefined) out.key_extension = { qecnet_fetch_by: key.fetchBy.toISOString() };
      return out;
    }),
  };
  if (options.containerExtension !== null) {
    const ext: Record<string, unknown> = { qecnet_ignored_extensions: [...options.containerExtension.ignored] };
    if (options.containerExtension.notices !== null) ext.qecnet_revoked_key_IDs = options.containerExtension.notices.map(noticeJson);
    container.key_container_extension = ext;
  }
  return container;
}

export function noticeJson(n: RevokedNotice): Record<string, string> {
  return { key_ID: n.keyId, revoked_at: n.revokedAt.toISOString(), reason: n.reason };
}
