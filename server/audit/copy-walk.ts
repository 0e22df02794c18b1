/**
 * The verifiers' walk of the stored chain, with a fast lane: entries read from PostgreSQL's binary COPY output and
 * checked from its bytes, with no row objects and no strings per field.
 *
 * A page walk (entry-pages.ts + verify-chain.ts) spends most of its time before the digest: the driver decodes every
 * field of every row into a string, the walk builds the entry's text from them, and the digest encodes that text
 * back into UTF-8. Here the entry's hashed input is assembled byte by byte in one scratch buffer straight from the
 * COPY rows (the stored details are the canonical text the appender hashed: audit_entries.details is json), hashed
 * in one call, and the digest compared with the stored hex; the next entry's prev_hash is compared with the digest.
 *
 * The fast lane only ever vouches for a clean stretch: it walks entries while each is certainly sound (the same
 * conditions as storedEntryPassesQuickly: seq follows, prev_hash links, the input built from the stored fields hashes
 * to entry_hash; plus every anchor and the head matched where they fall) and stops before the first entry it is
 * not sure of, for any reason (a break, a field that would need escaping it cannot vouch for, a legacy entry whose
 * details are jsonb's text, a Date out of range). The page walk then continues from the last entry it vouched for,
 * exactly as it would have continued had it walked those entries itself (a walk carries only the previous link and
 * the anchors still ahead), and says what is wrong in its usual words. So the answer is always the page walk's:
 * the fast lane decides nothing, it only spares the walk the entries it has already checked.
 */
import * as crypto from "node:crypto";
import { isUtf8 } from "node:buffer";
import type pg from "pg";
import { canonicalString } from "../domain/audit/canonical-json";
import type { ChainLink, ChainVerification, VerifyChainOptions } from "../domain/audit/types";
import { HASHED_PREFIX, isHashHex } from "./entry-hash";
import { readStoredEntryPages } from "./entry-pages";
import { CHAIN_START, prepareAnchors, verifyChain } from "./verify-chain";

/** Rows per COPY statement: a lane that stops early has read at most this many rows for nothing. */
export const COPY_CHUNK_ROWS = 20_000;

/**
 * Rows the lane checks between two turns of the event loop (~2.5 ms of its work on this machine's cores). A timer
 * every 2 ms during a one-thread walk of 100,000 entries came at most 3–13 ms late (median of eight walks 9 ms) with
 * 1,024 rows, 9–33 (11) with 2,048, 18–36 (22) with 4,096 and 24–42 (31) unpaced, at the same speed within this
 * machine's noise (bench/_stall2.ts, not committed).
 */
export const YIELD_ROWS = 1_024;

/** Where the fast lane stopped: the last entry it vouched for and how many it walked. */
export interface LaneProgress {
  link: ChainLink;
  entries: number;
}

const COLUMNS = 11;
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01T00:00:00Z), as milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

const bytes = (s: string) => Buffer.from(s, "utf8");
const OPEN = bytes(`${HASHED_PREFIX}{"action":`);
const ACTOR = bytes(`,"actor":`);
const AT = bytes(`,"at":"`);
const DETAILS = bytes(`","details":`);
const FROM_STATE = bytes(`,"fromState":`);
const PREV_HASH = bytes(`,"prevHash":"`);
const SEQ = bytes(`","seq":"`);
const SUBJECT_ID = bytes(`","subjectId":`);
const SUBJECT_TYPE = bytes(`,"subjectType":`);
const TO_STATE = bytes(`,"toState":`);
const CLOSE = bytes(`,"v":1}`);
const NULL = bytes("null");
/** Where the JSON text starts in the hashed input (after the domain and its separator). */
const TEXT_AT = Buffer.byteLength(HASHED_PREFIX, "utf8");
const ENTRY_HASH = bytes(`"entryHash":"`);

// Hex, not a Buffer: crypto.hash's Buffer output took twice as long here (~1.4 µs against ~0.7 µs for 330 bytes).
const digestOf: (input: Uint8Array) => string = typeof crypto.hash === "function"
  ? (input) => crypto.hash("sha256", input, "hex")
  : (input) => crypto.createHash("sha256").update(input).digest("hex");

/**
 * What a lane gives, besides its progress, for every entry it vouches for, in order: the entry's RFC 6962 leaf hash,
 * SHA-256(0x00 || leaf text), the leaf text being the entry's hashed text with "entryHash" added in its key order
 * (between "details" and "fromState": leafTextFromEntryText), with the entry's seq and hash. A checkpoint's catch-up
 * and the integrity monitor append these to their trees.
 */
export type LeafSink = (leafHash: Uint8Array, seq: number, entryHash: string) => void;

/**
 * The checking state of one lane: the link the next entry must follow, the scratch buffer its hashed input is built
 * in, and the anchors and head still ahead. Fed COPY rows one by one; `stopped` once it meets an entry it cannot vouch for.
 */
export class Lane {
  entries = 0;
  stopped = false;
  /** The range's end was reached (a row past toSeq): nothing more to read. */
  ended = false;
  seq: number;
  link: string;
  private scratch = Buffer.allocUnsafe(4096);
  private lastAtHi = Number.NaN;
  private lastAtLo = Number.NaN;
  private iso = Buffer.alloc(0);
  private nextAnchor = 0;
  /** Where each constant part (and the time, placedIso) was last written in the scratch buffer; -1: nowhere yet. */
  private readonly placed = new Int32Array(11).fill(-1);
  private placedIso: Buffer | null = null;
  /** The decimal text of seq + 1 (the next entry's "seq"), counted up in place. */
  private nextSeqText: Buffer;
  /** The leaf's input (0x00 and the leaf text), built from the scratch buffer when there is a sink. */
  private leafScratch = Buffer.allocUnsafe(0);
  /** What the leaf sink threw (walkFastLane throws it); null while the sink has taken every leaf. */
  sinkFailed: { error: unknown } | null = null;

  constructor(
    start: ChainLink,
    private readonly toSeq: number,
    private readonly anchors: ReadonlyArray<{ seq: number; hash: string }>,
    private readonly head: { seq: number; hash: string } | null,
    private readonly onLeaf: LeafSink | null = null,
  ) {
    this.seq = Number(start.seq);
    this.link = start.hash;
    this.nextSeqText = Buffer.from((start.seq + 1n).toString(), "latin1");
    OPEN.copy(this.scratch, 0);
  }

  /** The last entry vouched for. */
  progress(): LaneProgress {
    return { link: { seq: BigInt(this.seq), hash: this.link }, entries: this.entries };
  }

  /**
   * One COPY row: its field offsets and lengths (-1 for NULL) in `at`/`len`, in `b`. Returns false (and sets
   * stopped) when the entry is not certainly sound, leaving the lane at the entry before it.
   */
  take(b: Buffer, at: Int32Array, len: Int32Array, rowBytes: number): boolean {
    // seq (int8): the next one, as a number (exact below 2^53)
    if (len[0] !== 8) return this.stop();
    const sHi = int32(b, at[0]!);
    const seq = sHi * TWO_32 + uint32(b, at[0]! + 4);
    if (seq > this.toSeq) {
      this.ended = true;
      return false;
    }
    if (sHi < 0 || sHi >= 0x200000 || seq !== this.seq + 1) return this.stop();
    // prev_hash: the previous entry's hash, as 64 lowercase hex digits
    if (len[9] !== 64 || latin1(b, at[9]!, 64) !== this.link) return this.stop();
    if (len[10] !== 64 || len[8]! < 2 || b[at[8]!] !== 123 /* { */ || len[1] !== 8) return this.stop();
    if (len[2]! < 0 || len[3]! < 0 || len[4]! < 0 || len[5]! < 0) return this.stop();

    let s = this.scratch;
    if (s.length < OPEN.length + rowBytes * 6 + 256) {
      // Room for every byte escaped as \u00XX, and the constant parts.
      const grown = Buffer.allocUnsafe(OPEN.length + rowBytes * 6 + 1024);
      OPEN.copy(grown, 0);
      this.scratch = s = grown;
      this.placed.fill(-1);
    }
    // The constant parts are written only where they move: the scratch keeps the last row's bytes, and a constant
    // whose place is the one it was last written at is still there (every row writes every part in order, so nothing
    // else has been written over it since). Rows of one batch mostly have the same shape.
    const placed = this.placed;
    let p = OPEN.length;
    p = putString(s, p, b, at[3]!, len[3]!); // action
    if (p < 0) return this.stop();
    p = placed[0] === p ? p + ACTOR.length : place(s, placed, 0, p, ACTOR);
    p = putString(s, p, b, at[2]!, len[2]!); // actor
    if (p < 0) return this.stop();
    p = placed[1] === p ? p + AT.length : place(s, placed, 1, p, AT);
    const iso = this.isoOf(int32(b, at[1]!), uint32(b, at[1]! + 4));
    if (iso === null) return this.stop();
    p = placed[2] === p && iso === this.placedIso ? p + iso.length : place(s, placed, 2, p, iso);
    this.placedIso = iso;
    p = placed[3] === p ? p + DETAILS.length : place(s, placed, 3, p, DETAILS);
    p += b.copy(s, p, at[8]!, at[8]! + len[8]!); // details as stored: the text the appender hashed
    const leafSplit = p + 1; // after the comma before "fromState": where a leaf text has its "entryHash"
    p = placed[4] === p ? p + FROM_STATE.length : place(s, placed, 4, p, FROM_STATE);
    p = len[6]! < 0 ? put(s, p, NULL) : putString(s, p, b, at[6]!, len[6]!);
    if (p < 0) return this.stop();
    p = placed[5] === p ? p + PREV_HASH.length : place(s, placed, 5, p, PREV_HASH);
    p += latin1Write(s, this.link, p); // the stored prev_hash, checked equal to it above
    p = placed[6] === p ? p + SEQ.length : place(s, placed, 6, p, SEQ);
    p = put(s, p, this.nextSeqText);
    p = placed[7] === p ? p + SUBJECT_ID.length : place(s, placed, 7, p, SUBJECT_ID);
    p = putString(s, p, b, at[5]!, len[5]!);
    if (p < 0) return this.stop();
    p = placed[8] === p ? p + SUBJECT_TYPE.length : place(s, placed, 8, p, SUBJECT_TYPE);
    p = putString(s, p, b, at[4]!, len[4]!);
    if (p < 0) return this.stop();
    p = placed[9] === p ? p + TO_STATE.length : place(s, placed, 9, p, TO_STATE);
    p = len[7]! < 0 ? put(s, p, NULL) : putString(s, p, b, at[7]!, len[7]!);
    if (p < 0) return this.stop();
    p = placed[10] === p ? p + CLOSE.length : place(s, placed, 10, p, CLOSE);

    const digest = digestOf(s.subarray(0, p));
    if (latin1(b, at[10]!, 64) !== digest) return this.stop();
    // Anchors and the head where they fall (a mismatch is the page walk's to report).
    const anchor = this.anchors[this.nextAnchor];
    if (anchor !== undefined && anchor.seq === seq) {
      if (digest !== anchor.hash) return this.stop();
      this.nextAnchor++;
    }
    if (this.head !== null && (seq > this.head.seq || (seq === this.head.seq && digest !== this.head.hash))) return this.stop();
    if (this.onLeaf !== null) {
      try {
        this.onLeaf(this.leafHash(s, leafSplit, p, digest), seq, digest);
      } catch (err) {
        // Not a finding about the entry: the caller's tree may now hold this leaf or not, so the walk must fail.
        this.sinkFailed = { error: err };
        return this.stop();
      }
    }
    this.seq = seq;
    this.link = digest;
    this.entries++;
    this.nextSeqText = increment(this.nextSeqText);
    return true;
  }

  /** The leaf hash of the entry whose hashed input is s[0, end), vouched for with this digest (see LeafSink). */
  private leafHash(s: Buffer, split: number, end: number, digest: string): Buffer {
    const need = 1 + (end - TEXT_AT) + ENTRY_HASH.length + 66;
    let l = this.leafScratch;
    if (l.length < need) l = this.leafScratch = Buffer.allocUnsafe(need + 1024);
    l[0] = 0x00;
    let q = 1 + s.copy(l, 1, TEXT_AT, split);
    q = put(l, q, ENTRY_HASH);
    q += latin1Write(l, digest, q);
    l[q++] = 34; // "
    l[q++] = 44; // ,
    q += s.copy(l, q, split, end);
    // Hex, then bytes: a Buffer output took longer than both (see digestOf).
    return Buffer.from(digestOf(l.subarray(0, q)), "hex");
  }

  private stop(): false {
    this.stopped = true;
    return false;
  }

  /** The ISO 8601 text of a timestamptz sent as microseconds since 2000 (hi, lo); null when it is not a whole millisecond or out of range. */
  private isoOf(hi: number, lo: number): Buffer | null {
    if (hi === this.lastAtHi && lo === this.lastAtLo) return this.iso;
    let ms: number;
    if (hi >= -0x200000 && hi < 0x200000) {
      // Within ~285 years of 2000 the microseconds are exact as a number.
      const micros = hi * TWO_32 + lo;
      if (micros % 1000 !== 0) return null;
      ms = micros / 1000;
    } else {
      const micros = (BigInt(hi) << 32n) + BigInt(lo);
      if (micros % 1000n !== 0n) return null;
      ms = Number(micros / 1000n);
    }
    const d = new Date(PG_EPOCH_MS + ms);
    if (!Number.isFinite(d.getTime())) return null; // past what a Date holds (PostgreSQL's infinity, say)
    this.iso = Buffer.from(d.toISOString(), "latin1");
    this.lastAtHi = hi;
    this.lastAtLo = lo;
    return this.iso;
  }
}

/** Writes a one-byte string at p (Buffer's own latin1Write: one native call); returns the bytes written. */
const latin1Write: (s: Buffer, text: string, p: number) => number = typeof (Buffer.prototype as unknown as { latin1Write?: unknown }).latin1Write === "function"
  ? (s, text, p) => (s as unknown as { latin1Write(text: string, offset: number, length: number): number }).latin1Write(text, p, text.length)
  : (s, text, p) => s.write(text, p, "latin1");

/** The decimal digits in t plus one: in place, or a longer Buffer when every digit was 9. */
function increment(t: Buffer): Buffer {
  for (let i = t.length - 1; i >= 0; i--) {
    if (t[i] !== 57) {
      t[i]!++;
      return t;
    }
    t[i] = 48;
  }
  const longer = Buffer.allocUnsafe(t.length + 1);
  longer[0] = 49;
  t.copy(longer, 1);
  return longer;
}

/** The bytes at p as a one-byte string (Buffer's own latin1Slice: one native call, no argument checks). */
const latin1: (b: Buffer, p: number, n: number) => string = typeof (Buffer.prototype as unknown as { latin1Slice?: unknown }).latin1Slice === "function"
  ? (b, p, n) => (b as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(p, p + n)
  : (b, p, n) => b.toString("latin1", p, p + n);

function int32(b: Buffer, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

function uint32(b: Buffer, p: number): number {
  return int32(b, p) >>> 0;
}

function int16(b: Buffer, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16;
}

/** Writes part k at p and records where it is. */
function place(s: Buffer, placed: Int32Array, k: number, p: number, c: Uint8Array): number {
  s.set(c, p);
  placed[k] = p;
  return p + c.length;
}

function put(s: Buffer, p: number, c: Uint8Array): number {
  s.set(c, p);
  return p + c.length;
}

/**
 * A string field as canonicalString writes it. Text without ", \ or controls goes in as it is, quoted (it is UTF-8:
 * the lane reads only a UTF8 connection, and canonicalString leaves every other character as it is); other text is
 * decoded and written by canonicalString itself, so the bytes are the page walk's in every case.
 */
function putString(s: Buffer, p: number, b: Buffer, from: number, n: number): number {
  s[p] = 34;
  for (let i = 0; i < n; i++) {
    const c = b[from + i]!;
    if (c < 0x20 || c === 34 || c === 92) return putCarefully(s, p, b, from, n);
    s[p + 1 + i] = c;
  }
  s[p + 1 + n] = 34;
  return p + n + 2;
}

function putCarefully(s: Buffer, p: number, b: Buffer, from: number, n: number): number {
  const field = b.subarray(from, from + n);
  if (!isUtf8(field)) return -1;
  let quoted: string;
  try {
    quoted = canonicalString(field.toString("utf8"));
  } catch {
    return -1;
  }
  return p + s.write(quoted, p, "utf8");
}

interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * One COPY statement's output, fed to the lane row by row as the connection delivers it (a node-postgres
 * Submittable: the driver hands each CopyData message over as a view of its read buffer, valid only during the call).
 * A row split across messages is put together from a copy of its parts.
 */
export class CopyRows {
  private headerLeft = true;
  private carry: Buffer | null = null;
  private readonly at = new Int32Array(COLUMNS);
  private readonly len = new Int32Array(COLUMNS);
  /** The connection's socket, paused for a turn of the event loop every YIELD_ROWS rows (see yieldSoon). */
  private stream: Pausable | null = null;
  private sinceYield = 0;
  private paused = false;
  rows = 0;
  finished = false;
  readonly done: Promise<void>;
  private settle!: (err: Error | null) => void;

  constructor(private readonly text: string, private readonly lane: Lane) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
  }

  submit(connection: { query(text: string): void; stream?: Pausable }): void {
    this.stream = connection.stream ?? null;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.finished) return;
    let b = msg.chunk;
    if (this.carry) {
      b = Buffer.concat([this.carry, b]);
      this.carry = null;
    }
    try {
      const used = this.feed(b);
      if (used < b.length && !this.finished) this.carry = Buffer.from(b.subarray(used));
    } catch {
      // Output the lane cannot read (it never should: the statement names its columns) stops it; the rest is ignored.
      this.lane.stopped = true;
      this.finished = true;
    }
  }

  /** Reads whole rows from b; returns how many bytes it used. */
  private feed(b: Buffer): number {
    let p = 0;
    if (this.headerLeft) {
      if (b.length < 19) return 0;
      if (!b.subarray(0, 11).equals(SIGNATURE)) throw new Error("COPY output does not start with the binary signature");
      const ext = int32(b, 15);
      if (b.length < 19 + ext) return 0;
      p = 19 + ext;
      this.headerLeft = false;
    }
    const { at, len, lane } = this;
    while (p + 2 <= b.length) {
      const fields = int16(b, p);
      if (fields === -1) {
        this.finished = true;
        return b.length;
      }
      if (fields !== COLUMNS) throw new Error(`COPY row with ${fields} fields, expected ${COLUMNS}`);
      let q = p + 2;
      let whole = true;
      for (let i = 0; i < COLUMNS; i++) {
        if (q + 4 > b.length) {
          whole = false;
          break;
        }
        const n = int32(b, q);
        q += 4;
        at[i] = q;
        len[i] = n;
        if (n > 0) q += n;
      }
      if (!whole || q > b.length) return p;
      this.rows++;
      if (!lane.stopped && !lane.ended) lane.take(b, at, len, q - p);
      if (++this.sinceYield >= YIELD_ROWS) this.yieldSoon();
      p = q;
    }
    return p;
  }

  /**
   * Lets the process's other work run. PostgreSQL sends rows faster than the lane checks them, so they pile up in
   * the socket's buffer, and Node reads up to 32 × 64 KB of them in one turn of its event loop: unpaced, a walk held
   * the console's event loop for 30–100 ms at a time (bench:transitions' timer during the walks). Pausing the socket (as pg-copy-streams does for back-pressure)
   * ends the turn after the message at hand; the socket resumes in the next one.
   */
  private yieldSoon(): void {
    this.sinceYield = 0;
    const stream = this.stream;
    if (stream === null || this.paused) return;
    this.paused = true;
    stream.pause();
    setImmediate(() => {
      this.paused = false;
      stream.resume();
    });
  }

  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}

  handleError(err: Error): void {
    this.settle(err);
  }

  handleReadyForQuery(): void {
    this.settle(null);
  }
}

/**
 * The fast lane over entries start.seq < seq ≤ toSeq, in COPY statements of COPY_CHUNK_ROWS rows (keyset: the
 * LIMIT keeps PostgreSQL on the primary key's index in order). Returns where it stopped. `client` is the walk's
 * connection (inside its snapshot).
 */
export async function walkFastLane(
  client: pg.ClientBase,
  start: ChainLink,
  toSeq: bigint,
  opts: {
    head?: ChainLink | null;
    anchors?: readonly ChainLink[];
    /** Given each vouched entry's leaf hash, in order (a checkpoint's tree). */
    onLeaf?: LeafSink;
    /** Rows per COPY statement (tests). */
    chunkRows?: number;
  } = {},
): Promise<LaneProgress> {
  const chunk = opts.chunkRows ?? COPY_CHUNK_ROWS;
  const none: LaneProgress = { link: start, entries: 0 };
  // Numbers are exact below 2^53: beyond that (never, in practice) the page walk does it all.
  const limit = BigInt(Number.MAX_SAFE_INTEGER) - BigInt(chunk);
  if (!isHashHex(start.hash) || start.seq < 0n || start.seq > limit) return none;
  const head = opts.head ?? null;
  if (head && (!isHashHex(head.hash) || head.seq > limit)) return none;
  const anchors = prepareAnchors(opts.anchors ?? []).filter((a) => a.seq > start.seq);
  if (anchors.some((a) => a.seq > limit)) return none;
  const end = toSeq > limit ? limit : toSeq;
  // The rows' text is then UTF-8, as the page walk decodes it (a SQL_ASCII database passes any bytes through).
  const encoding = await client.query<{ utf8: boolean }>(
    "SELECT current_setting('client_encoding') = 'UTF8' AND current_setting('server_encoding') = 'UTF8' AS utf8");
  if (encoding.rows[0]?.utf8 !== true) return none;
  const lane = new Lane(
    start,
    Number(end),
    anchors.map((a) => ({ seq: Number(a.seq), hash: a.hash })),
    head ? { seq: Number(head.seq), hash: head.hash } : null,
    opts.onLeaf ?? null,
  );
  // A failed statement aborts the caller's transaction (the walk's snapshot): the lane runs inside a savepoint, so
  // that a COPY the server or something between refuses leaves the page walk its transaction, and it does it all.
  // Outside a transaction the SAVEPOINT itself fails, harmlessly.
  const savepoint = await client.query("SAVEPOINT qecnet_fast_lane").then(() => true, () => false);
  try {
    for (;;) {
      const after = BigInt(lane.seq);
      const left = end - after;
      if (left <= 0n) break;
      const rows = left < BigInt(chunk) ? Number(left) : chunk;
      // Only numbers go into the text (COPY takes no parameters).
      const copy = new CopyRows(
        `COPY (SELECT seq, at, actor, action, subject_type, subject_id, from_state, to_state, details, prev_hash, entry_hash
           FROM audit_entries WHERE seq > ${after.toString()} ORDER BY seq LIMIT ${rows}) TO STDOUT (FORMAT binary)`,
        lane,
      );
      void client.query(copy as unknown as pg.QueryConfig);
      await copy.done;
      if (lane.stopped || lane.ended || copy.rows < rows) break;
    }
    if (savepoint) await client.query("RELEASE SAVEPOINT qecnet_fast_lane");
  } catch {
    // What the lane vouched for before the error stands (it read those entries in the walk's snapshot, which
    // rolling back to a savepoint keeps).
    if (savepoint) await client.query("ROLLBACK TO SAVEPOINT qecnet_fast_lane");
  }
  if (lane.sinkFailed) throw lane.sinkFailed.error;
  return lane.progress();
}

/**
 * verifyChain over the stored entries start.seq < seq ≤ toSeq, with the same answer: the fast lane walks the clean
 * stretch it can vouch for, then the page walk continues from the last entry it vouched for (to the end, or from the
 * first entry the lane stopped at) and its result counts the lane's entries too.
 */
export async function walkStoredChain(
  client: pg.ClientBase,
  toSeq: bigint,
  opts: VerifyChainOptions & { pageSize?: number; chunkRows?: number } = {},
): Promise<ChainVerification> {
  const lane = await walkFastLane(client, opts.start ?? CHAIN_START, toSeq, { head: opts.head, anchors: opts.anchors, chunkRows: opts.chunkRows });
  const rest = await verifyChain(readStoredEntryPages(client, lane.link.seq, toSeq, opts.pageSize), {
    ...opts,
    start: lane.link,
    anchors: (opts.anchors ?? []).filter((a) => a.seq > lane.link.seq),
  });
  return { ...rest, entries: rest.entries + lane.entries };
}
