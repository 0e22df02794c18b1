/**
 * GET /api/audit/proofs/inclusion?seq=&treeSize= — RFC 6962 inclusion proof of
 * an entry in a checkpoint (default: the latest). The answer carries the whole
 * entry (people, keys, justifications): signed-in users only, as for the export.
 */
import { z } from "zod";
import { errorResponse, searchParams } from "@/server/api/http-response";
import { services } from "@/server/runtime/services";
import { observeHttp } from "@/server/ops/metrics";
import { guarded } from "@/server/api/route-guard";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/audit/proofs/inclusion", (req) => observeHttp("/api/audit/proofs/inclusion", req, () => handle(req)));

const ZSeq = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive whole number").transform(BigInt);
const ZQuery = z.object({ seq: ZSeq, treeSize: ZSeq.optional() }).strict();

async function handle(req: Request): Promise<Response> {
  try {
    const q = ZQuery.parse(searchParams(req));
    return Response.json(await services().checkpoints.inclusionProof(q.seq, q.treeSize));
  } catch (err) {
    return errorResponse(err);
  }
}
