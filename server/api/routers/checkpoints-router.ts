/** Signed checkpoints of the audit log: the latest with the key to pin, publishing one now, and the proofs. */
import { z } from "zod";
import { procedure, router } from "../trpc";

const ZSize = z.bigint().positive().max(2n ** 53n);

export const checkpointsRouter = router({
  latest: procedure.query(async ({ ctx }) => ({ checkpoint: await ctx.checkpoints.latest(), ...ctx.checkpoints.publicKey })),
  publish: procedure.mutation(async ({ ctx }) => {
    const r = await ctx.checkpoints.publish();
    return { checkpoint: r.checkpoint, created: r.created };
  }),
  inclusionProof: procedure
    .input(z.object({ seq: ZSize, treeSize: ZSize.optional() }))
    .query(({ ctx, input }) => ctx.checkpoints.inclusionProof(input.seq, input.treeSize)),
  consistencyProof: procedure
    .input(z.object({ from: ZSize, to: ZSize }))
    .query(({ ctx, input }) => ctx.checkpoints.consistencyProof(input.from, input.to)),
});
