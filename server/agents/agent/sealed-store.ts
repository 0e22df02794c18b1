/**
 * The agent's sealed local store (KEY-DELIVERY.md §6.5): every delivered key
 * survives a restart or a SIGKILL, sealed under a key the hub never sees.
 * One record per key, `keys/<keyId>.sealed`, AES-256-GCM under
 * HKDF(storeKey, "QECNET-AGENT-STORE-V1", nodeId) with a fresh 96-bit nonce and
 * AAD binding the record to this node and key id; written atomically. At open
 * every record is authenticated: one that fails is held as fingerprint
 * "corrupt" (the hub treats it as an integrity mismatch). store.json binds the
 * folder to one node and one store key; anything else is refused (exit 3).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fingerprintOf, zeroise } from "../../keys/material";
import type { Clock } from "../../time/clock";
import { eraseAsync, eraseDurably, FolderSync, TMP_SUFFIX, writeDurably, writeDurablyAsync } from "./durable-file";
import { loadStoreKey } from "./store-key";
import { UsageJournal, UsageRefusedError } from "./usage-journal";

export const CORRUPT = "corrupt";
const RECORD_VERSION = 1;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The store belongs to another node or was sealed under another key: the agent must not start (exit 3). */
export class StoreRefusedError extends Error {}

interface StoreIdentity {
  storeId: string;
  nodeId: string;
  storeKeyId: string;
  createdAt: string;
}

interface SealedRecord {
  v: number;
  keyId: string;
  sizeBits: number;
  fingerprint: string;
  nonce: string;
  ciphertext: string;
  tag: string;
  storedAt: string;
}

export interface OpenStoreOptions {
  dataDir: string;
  nodeId: string;
  /** QECNET_AGENT_STORE_KEY, if set; otherwise <dataDir>/store.key. */
  storeKeyHex?: string;
  clock: Clock;
  /** Lines of the usage journal before a snapshot (usage-journal.ts; tests make it small). */
  usageLogMaxLines?: number;
}

export class SealedStore {
  /** keyId → the fingerprint of what the record opens to, or "corrupt". */
  private readonly held = new Map<string, string>();
  /** Deliveries being written (putDurable), per key. */
  private readonly writing = new Map<string, Promise<void>>();
  private keysFolder: FolderSync | null = null;
  /** The usage totals, journalled (usage-journal.ts); opened once the records are read. */
  private usage!: UsageJournal;
  /** Records being erased by purgeDurable, by key id. */
  private readonly erasing = new Map<string, Promise<boolean>>();

  private constructor(
    readonly dataDir: string,
    readonly identity: StoreIdentity,
    private readonly sealingKey: Buffer,
    private readonly clock: Clock,
  ) {}

  static open(opts: OpenStoreOptions): SealedStore {
    mkdirSync(join(opts.dataDir, "keys"), { recursive: true, mode: 0o700 });
    const storeKey = loadStoreKey(opts.dataDir, opts.storeKeyHex);
    const idPath = join(opts.dataDir, "store.json");
    let identity: StoreIdentity;
    if (existsSync(idPath)) {
      identity = JSON.parse(readFileSync(idPath, "utf8")) as StoreIdentity;
      if (identity.nodeId !== opts.nodeId) {
        zeroise(storeKey.key);
        throw new StoreRefusedError(`the store in ${opts.dataDir} belongs to node ${identity.nodeId}, not to node ${opts.nodeId}: start with --node ${identity.nodeId} or give this node its own --data folder`);
      }
      if (identity.storeKeyId !== storeKey.keyId) {
        zeroise(storeKey.key);
        throw new StoreRefusedError(`the store in ${opts.dataDir} is sealed under store key ${identity.storeKeyId}, but this start has store key ${storeKey.keyId} (${storeKey.source === "env" ? "QECNET_AGENT_STORE_KEY" : "store.key"}): use the key the store was created with`);
      }
    } else {
      identity = { storeId: randomUUID(), nodeId: opts.nodeId, storeKeyId: storeKey.keyId, createdAt: opts.clock().toISOString() };
      writeDurably(idPath, JSON.stringify(identity, null, 2) + "\n");
    }
    const sealingKey = Buffer.from(hkdfSync("sha256", storeKey.key, Buffer.from("QECNET-AGENT-STORE-V1", "utf8"), Buffer.from(opts.nodeId, "utf8"), 32));
    zeroise(storeKey.key);
    const store = new SealedStore(opts.dataDir, identity, sealingKey, opts.clock);
    store.load(opts.usageLogMaxLines);
    return store;
  }

  /** Records held and the fingerprint each opens to ("corrupt" when it does not authenticate). */
  inventory(): Array<{ keyId: string; fingerprint: string }> {
    return [...this.held].map(([keyId, fingerprint]) => ({ keyId, fingerprint }));
  }

  get size(): number {
    return this.held.size;
  }

  fingerprint(keyId: string): string | null {
    return this.held.get(keyId) ?? null;
  }

  /** Seals `material` durably (fsynced before it returns). The caller still owns and zeroises `material`. */
  put(keyId: string, sizeBits: number, material: Buffer): void {
    const { fingerprint, text } = this.seal(keyId, sizeBits, material);
    writeDurably(this.recordPath(keyId), text);
    this.held.set(keyId, fingerprint);
  }

  /**
   * put() for deliveries: the same record and the same durability (resolved only once the record and the folder
   * are fsynced), but concurrent deliveries share the folder's fsync. `material` is read before the first await.
   */
  async putDurable(keyId: string, sizeBits: number, material: Buffer): Promise<void> {
    const { fingerprint, text } = this.seal(keyId, sizeBits, material);
    const folder = (this.keysFolder ??= new FolderSync(join(this.dataDir, "keys")));
    // Writes of one key go in order; different keys at once.
    const mine = (this.writing.get(keyId) ?? Promise.resolve()).then(() => writeDurablyAsync(this.recordPath(keyId), text, folder));
    const tracked = mine.catch(() => undefined);
    this.writing.set(keyId, tracked);
    try {
      await mine;
      this.held.set(keyId, fingerprint);
    } finally {
      if (this.writing.get(keyId) === tracked) this.writing.delete(keyId);
    }
  }

  /** Waits for the writes of these keys still in flight (a purge must not race a delivery of the same key). */
  async settled(keyIds: readonly string[]): Promise<void> {
    await Promise.all(keyIds.map((id) => this.writing.get(id)));
  }

  private seal(keyId: string, sizeBits: number, material: Buffer): { fingerprint: string; text: string } {
    assertKeyId(keyId);
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.sealingKey, nonce);
    cipher.setAAD(this.aad(keyId));
    const ciphertext = Buffer.concat([cipher.update(material), cipher.final()]);
    const fingerprint = fingerprintOf(material);
    const record: SealedRecord = {
      v: RECORD_VERSION, keyId, sizeBits, fingerprint,
      nonce: nonce.toString("base64"), ciphertext: ciphertext.toString("base64"), tag: cipher.getAuthTag().toString("base64"),
      storedAt: this.clock().toISOString(),
    };
    return { fingerprint, text: JSON.stringify(record) + "\n" };
  }

  /** The plaintext of a held key (the caller zeroises it), null when not held, "corrupt" when the record fails. */
  open(keyId: string): Buffer | null | typeof CORRUPT {
    assertKeyId(keyId);
    let text: string;
    try {
      text = readFileSync(this.recordPath(keyId), "utf8");
    } catch {
      return null;
    }
    try {
      const r = JSON.parse(text) as SealedRecord;
      if (r.v !== RECORD_VERSION || r.keyId !== keyId) return CORRUPT;
      const decipher = createDecipheriv("aes-256-gcm", this.sealingKey, Buffer.from(r.nonce, "base64"));
      decipher.setAAD(this.aad(keyId));
      decipher.setAuthTag(Buffer.from(r.tag, "base64"));
      const head = decipher.update(Buffer.from(r.ciphertext, "base64"));
      try {
        const tail = decipher.final();
        return Buffer.concat([head, tail]);
      } finally {
        head.fill(0);
      }
    } catch {
      return CORRUPT;
    }
  }

  /** Erases a key: the record overwritten, deleted and the folder fsynced; its usage total goes too. */
  purge(keyId: string): boolean {
    assertKeyId(keyId);
    const had = eraseDurably(this.recordPath(keyId));
    this.held.delete(keyId);
    if (this.usage.get(keyId) > 0) this.usage.setSync([[keyId, 0]]);
    return had;
  }

  /**
   * purge for many keys without holding the event loop on the disk: each record overwritten and fsynced in the thread
   * pool (all at once), one fsync of the folder for every deletion, then one write of the usage totals. Resolves, with
   * whether each key was held, once all of it is durable, as purge does for one key. (The purges of a busy KME's
   * consumed keys, four synchronous fsyncs each, held its event loop for about 2 s of a one-minute bench:kme run.)
   */
  async purgeDurable(keyIds: readonly string[]): Promise<boolean[]> {
    for (const id of keyIds) assertKeyId(id);
    const unique = [...new Set(keyIds)];
    // A key another purge is erasing right now (a purge sent again while the first runs): wait for it, then absent.
    let waited = false;
    const erased = await Promise.all(unique.map(async (id) => {
      const under = this.erasing.get(id);
      if (under) {
        waited = true;
        return under.then(() => false, () => false);
      }
      const erase = eraseAsync(this.recordPath(id)).finally(() => this.erasing.delete(id));
      this.erasing.set(id, erase);
      return erase;
    }));
    // The deletions durable, also the one this purge waited for, before it answers.
    if (waited || erased.some(Boolean)) await (this.keysFolder ??= new FolderSync(join(this.dataDir, "keys"))).sync();
    const gone: Array<[string, number]> = [];
    for (const id of unique) {
      this.held.delete(id);
      if (this.usage.get(id) > 0) gone.push([id, 0]);
    }
    await this.usage.set(gone);
    // As purge one key at a time would say: a key named twice was there the first time only.
    const wasThere = new Map(unique.map((id, i) => [id, erased[i]!]));
    return keyIds.map((id) => {
      const had = wasThere.get(id) ?? false;
      wasThere.set(id, false);
      return had;
    });
  }

  usageTotals(): Array<{ keyId: string; total: number }> {
    return this.usage.entries().map(([keyId, total]) => ({ keyId, total }));
  }

  usageTotal(keyId: string): number {
    return this.usage.get(keyId);
  }

  /** Adds uses of a held key to its cumulative total, durably. */
  recordUse(keyId: string, times: number): void {
    this.recordUses([{ keyId, times }]);
  }

  /** Adds uses of several held keys to their totals, durably, in one write of the usage file (the KME's deliveries). */
  recordUses(uses: ReadonlyArray<{ keyId: string; times: number }>): void {
    this.usage.setSync(this.added(uses));
  }

  /**
   * recordUses for the KME's answers without holding the event loop on the disk: the totals change at once, and the
   * promise resolves once a line of the usage journal holding the change is on disk (fdatasync in the thread pool);
   * one line and one sync serve every change made while the previous sync ran.
   */
  recordUsesDurable(uses: ReadonlyArray<{ keyId: string; times: number }>): Promise<void> {
    return this.usage.set(this.added(uses));
  }

  /** The new totals of held keys after `uses` (a key named twice counts twice). */
  private added(uses: ReadonlyArray<{ keyId: string; times: number }>): Array<[string, number]> {
    const next = new Map<string, number>();
    for (const { keyId, times } of uses) {
      if (!this.held.has(keyId)) continue;
      next.set(keyId, (next.get(keyId) ?? this.usage.get(keyId)) + times);
    }
    return [...next];
  }

  /** Waits for the usage journal's writes under way. */
  settledUsage(): Promise<void> {
    return this.usage.settled();
  }

  close(): void {
    this.usage?.close();
    zeroise(this.sealingKey);
  }

  private load(usageLogMaxLines?: number): void {
    const dir = join(this.dataDir, "keys");
    for (const name of readdirSync(dir)) {
      if (name.endsWith(TMP_SUFFIX)) {
        unlinkSync(join(dir, name)); // a write cut short by a crash: the old record (or none) stands
        continue;
      }
      const m = /^(.+)\.sealed$/.exec(name);
      if (!m || !KEY_ID.test(m[1]!)) continue;
      const plain = this.open(m[1]!);
      if (plain === null) continue;
      this.held.set(m[1]!, plain === CORRUPT ? CORRUPT : fingerprintOf(plain));
      if (plain !== CORRUPT) zeroise(plain);
    }
    try {
      this.usage = UsageJournal.open(this.dataDir, this.identity.nodeId, this.sealingKey, this.clock, (keyId) => this.held.has(keyId), usageLogMaxLines);
    } catch (e) {
      // Usage that does not authenticate is a refusal, not a silent reset: a reset would let totals go backwards.
      if (e instanceof UsageRefusedError) throw new StoreRefusedError(e.message);
      throw e;
    }
  }

  private aad(keyId: string): Buffer {
    return Buffer.from(`QECNET-AGENT-KEY-V1\0${this.identity.nodeId}\0${keyId}`, "utf8");
  }

  private recordPath(keyId: string): string {
    return join(this.dataDir, "keys", `${keyId}.sealed`);
  }
}

function assertKeyId(keyId: string): void {
  // The id names a file: only a canonical lower-case uuid may reach the file system.
  if (!KEY_ID.test(keyId)) throw new Error(`key id must be a lower-case uuid`);
}
