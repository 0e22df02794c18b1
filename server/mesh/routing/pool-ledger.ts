/**
 * Pool accounting for one batch of distributions. Relaying a key of n bits over
 * a link spends n bits of that link's pool (one-time pad), on every hop. The
 * ledger hands out bits only while they are there: a pool never goes negative
 * and no bit is spent twice, also across the routes of one key (a link shared by
 * two participants' paths pays twice) and across keys of the same batch.
 */
import type { MeshLink } from "../../domain/mesh/mesh-model";

export class PoolExhaustedError extends Error {
  constructor(readonly linkId: string, readonly wanted: number, readonly available: number) {
    super(`Link ${linkId} has ${available} pool bits; ${wanted} are needed`);
  }
}

export class PoolLedger {
  private readonly spent = new Map<string, number>();

  constructor(private readonly pools: (linkId: string) => MeshLink | undefined) {}

  available(linkId: string): number {
    const l = this.pools(linkId);
    return l ? l.poolBits - (this.spent.get(linkId) ?? 0) : 0;
  }

  /** Spends `bits` on every link of `linkPath`, all or nothing. */
  spend(linkPath: readonly string[], bits: number): void {
    if (!Number.isInteger(bits) || bits <= 0) throw new RangeError(`A spend is a positive whole number of bits (got ${bits})`);
    const need = new Map<string, number>();
    for (const id of linkPath) need.set(id, (need.get(id) ?? 0) + bits);
    for (const [id, n] of need) {
      const have = this.available(id);
      if (have < n) throw new PoolExhaustedError(id, n, have);
    }
    for (const [id, n] of need) this.spent.set(id, (this.spent.get(id) ?? 0) + n);
  }

  /** Bits spent per link so far. */
  debits(): ReadonlyMap<string, number> {
    return this.spent;
  }
}
