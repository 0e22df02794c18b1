/**
 * GET /api/audit/proofs/consistency?from=&to= — RFC 6962 consistency proof
 * between two published checkpoints (tree sizes, 1 ≤ from < to as RFC 9162
 * §2.1.4 defines; docs/audit-format.md §7); signed-in users, like the other
 * audit reads (the signed checkpoints themselves stay public).
 */
import { z } from "zod";
import { errorResponse, searchParams } from "@/server/api/http-response";
import { services } from "@/server/runtime/services";
import { observeHttp } from "@/server/ops/metrics";
import { guarded } from "@/server/api/route-guard";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/audit/proofs/consistency", (req) => observeHttp("/api/audit/proofs/consistency", req, () => handle(req)));

const ZSeq = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive whole number").transform(BigInt);
const ZQuery = z.object({ from: ZSeq, to: ZSeq }).strict();

async function handle(req: Request): Promise<Response> {
  try {
    const q = ZQuery.parse(searchParams(req));
    return Response.json(await services().checkpoints.consistencyProof(q.from, q.to));
  } catch (err) {
    return errorResponse(err);
  }
}
