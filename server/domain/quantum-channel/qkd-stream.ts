/**
 * The port between the key lifecycle and a link's QKD device pair, modelled on
 * ETSI GS QKD 004 (application interface): OPEN_CONNECT opens a key stream for
 * one end of a link (both ends name the same Key_stream_ID, here the link id),
 * GET_KEY returns the next bytes together with the index both ends agree on,
 * CLOSE releases the stream. The simulated pair (server/quantum-channel/
 * qkd-device.ts) implements it; a real device driver would implement the same
 * interface. Types only: pure, no I/O.
 */

/** Which end of a link: A is the link's aNodeId, B its bNodeId. */
export type LinkEnd = "A" | "B";

/** Bytes of pad at an index (byte offset into the link's key stream) that both ends agree on. */
export interface PadSlice {
  index: number;
  bytes: Uint8Array;
}

/** The answer to GET_KEY: the bytes, or (ETSI 004 status "insufficient key available") how many bytes there are. */
export type GetKeyResult = ({ status: "OK" } & PadSlice) | { status: "INSUFFICIENT_KEY"; available: number };

/** One end's open key stream (ETSI 004: the handle returned by OPEN_CONNECT). */
export interface QkdKeyStream {
  readonly keyStreamId: string;
  readonly linkId: string;
  readonly end: LinkEnd;
  /** Bytes this end can take now. */
  available(): number;
  /** GET_KEY: the next nBytes of this end's stream, or INSUFFICIENT_KEY (nothing taken). */
  getKey(nBytes: number): GetKeyResult;
  /** CLOSE. */
  close(): void;
}

/** The devices of a mesh as the key lifecycle reaches them: one stream per link end. */
export interface QkdDevices {
  open(linkId: string, end: LinkEnd): QkdKeyStream;
}

/** A simulated network also has a clock the simulation drives (a real device runs on its own time). */
export interface SimulatedQkdDevices extends QkdDevices {
  /** Let the devices produce key up to this simulated time (ms, monotone). */
  advanceTo(nowMs: number): void;
}
