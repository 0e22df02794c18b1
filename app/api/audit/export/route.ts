/**
 * GET /api/audit/export?from=&to=&format=jsonl|csv — the audit log as a
 * download, streamed page by page. JSON Lines carries the checkpoints and
 * subtrees that make it verifiable offline (`npm run audit:verify`); CSV is
 * for people. Defaults: from 1, to the newest entry, jsonl. Needs a signed-in
 * user (any role); checkpoints and proofs stay public for outside auditors.
 */
import { z } from "zod";
import { auth } from "@/server/auth/auth-instance";
import { sessionUserFrom } from "@/server/auth/session-user";
import { errorResponse, searchParams, streamText } from "@/server/api/http-response";
import { auditExport } from "@/server/audit/export/export-service";
import { logger } from "@/server/ops/logger";
import { services } from "@/server/runtime/services";
import { observeHttp } from "@/server/ops/metrics";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return observeHttp("/api/audit/export", req, () => handle(req));
}

const ZSeq = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive whole number").transform(BigInt);
const ZExportQuery = z.object({ from: ZSeq.optional(), to: ZSeq.optional(), format: z.enum(["jsonl", "csv"]).default("jsonl") }).strict();

async function handle(req: Request): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? crypto.randomUUID();
  try {
    // The log names people and keys: signed-in users only (any role may read the audit page).
    if (!(await sessionUserFrom(auth(), req.headers))) {
      return Response.json({ error: "Sign in to export the audit log (no valid session)." }, { status: 401, headers: { "x-request-id": requestId } });
    }
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
