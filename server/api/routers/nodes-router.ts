/** Nodes and links of the mesh, read-only until the mesh issue adds actions. */
import { publicProcedure, router } from "../trpc";

export const nodesRouter = router({
  list: publicProcedure.query(({ ctx }) =>
    ctx.db.node.findMany({ orderBy: [{ role: "asc" }, { id: "asc" }], select: { id: true, name: true, role: true, status: true, site: true, x: true, y: true } })),
  links: publicProcedure.query(({ ctx }) =>
    ctx.db.link.findMany({
      orderBy: { id: "asc" },
      select: { id: true, aNodeId: true, bNodeId: true, status: true, lengthKm: true, qber: true, secretKeyRateBps: true, poolBits: true, poolCapacityBits: true },
    })),
});
