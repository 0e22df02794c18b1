/**
 * GET /api/audit/checkpoints — every published checkpoint as JSON Lines (the
 * same lines as <data>/audit-checkpoints.jsonl), each with its consistency
 * proof from the one before; `?latest=1` gives the newest as JSON with the
 * public key to pin.
 */
import { errorResponse, searchParams, streamText } from "@/server/api/http-response";
import { checkpointLine } from "@/server/audit/checkpoint/checkpoint-file";
import { services } from "@/server/runtime/services";
import { observeHttp } from "@/server/ops/metrics";
import { guarded } from "@/server/api/route-guard";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/audit/checkpoints", (req) => observeHttp("/api/audit/checkpoints", req, () => handle(req)));

async function handle(req: Request): Promise<Response> {
  try {
    const { checkpoints } = services();
    if (searchParams(req).latest) return Response.json({ checkpoint: await checkpoints.latest(), ...checkpoints.publicKey });
    async function* lines() {
      let after = 0n;
      for (;;) {
        const page = await checkpoints.list({ afterSize: after, limit: 2000 });
        if (page.length) yield page.map((c) => `${checkpointLine(c)}\n`).join("");
        if (page.length < 2000) return;
        after = BigInt(page[page.length - 1]!.treeSize);
      }
    }
    return new Response(streamText(lines(), () => undefined), {
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "content-disposition": 'attachment; filename="qecnet-audit-checkpoints.jsonl"', "cache-control": "no-store" },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
