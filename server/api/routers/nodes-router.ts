/** Nodes and links of the mesh as stored, read-only (the mesh router has the live graph and the actions). */
import { listLinks, listNodes } from "../../mesh/mesh-queries";
import { procedure, router } from "../trpc";

export const nodesRouter = router({
  list: procedure.query(({ ctx }) => listNodes(ctx.db)),
  links: procedure.query(({ ctx }) => listLinks(ctx.db)),
});
