/** GET /api/audit/proofs/inclusion?seq=&treeSize= — RFC 6962 inclusion proof of an entry in a checkpoint (default: the latest). */
import { z } from "zod";
import { errorResponse, searchParams } from "@/server/api/http-response";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

const ZSeq = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive whole number").transform(BigInt);
const ZQuery = z.object({ seq: ZSeq, treeSize: ZSeq.optional() }).strict();

export async function GET(req: Request) {
  try {
    const q = ZQuery.parse(searchParams(req));
    return Response.json(await services().checkpoints.inclusionProof(q.seq, q.treeSize));
  } catch (err) {
    return errorResponse(err);
  }
}
