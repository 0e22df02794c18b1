/**
 * GET /api/audit/export?from=&to=&format=jsonl|csv — the audit log as a
 * download, streamed page by page. JSON Lines carries the checkpoints and
 * subtrees that make it verifiable offline (`npm run audit:verify`); CSV is
 * for people. Defaults: from 1, to the newest entry, jsonl. The log names
 * people and keys: a signed-in user (any role, see ROUTE_ACCESS); signed
 * checkpoints stay public for outside auditors.
 */
import { z } from "zod";
import { errorResponse, searchParams, streamText } from "@/server/api/http-response";
import { auditExport } from "@/server/audit/export/export-service";
import { logger } from "@/server/ops/logger";
import { services } from "@/server/runtime/services";
import { observeHttp } from "@/server/ops/metrics";
import { guarded } from "@/server/api/route-guard";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/audit/export", (req) => observeHttp("/api/audit/export", req, () => handle(req)));

const ZSeq = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive whole number").transform(BigInt);
const ZExportQuery = z.object({ from: ZSeq.optional(), to: ZSeq.optional(), format: z.enum(["jsonl", "csv"]).default("jsonl") }).strict();

async function handle(req: Request): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? crypto.randomUUID();
  try {
    const q = ZExportQuery.parse(searchParams(req));
    const { db, checkpoints } = services();
    const out = await auditExport(db, checkpoints, q);
    logger().info({ requestId, route: "audit.export", from: q.from?.toString(), to: q.to?.toString(), format: q.format }, "audit export started");
    return new Response(streamText(out.body, (err) => logger().error({ requestId, err: { message: (err as Error).message } }, "audit export failed mid-stream")), {
      headers: {
        "content-type": out.contentType,
        "content-disposition": `attachment; filename="${out.filename}"`,
        "cache-control": "no-store",
        "x-request-id": requestId,
      },
    });
  } catch (err) {
    return errorResponse(err, requestId);
  }
}
