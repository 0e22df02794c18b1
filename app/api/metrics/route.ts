/**
 * GET /api/metrics — Prometheus text format (prom-client); database gauges are
 * read at scrape time. Only with `Authorization: Bearer $QECNET_METRICS_TOKEN`
 * (Prometheus' `authorization` setting): per-link QBER would tell an
 * eavesdropper whether the tap was noticed. Without a configured token, refused.
 */
import { metrics } from "@/server/ops/metrics";
import { errorResponse } from "@/server/api/http-response";
import { guarded } from "@/server/api/route-guard";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/metrics", async () => {
  try {
    const m = metrics();
    m.attach({ db: services().db, clock: services().keys.clock });
    return new Response(await m.scrape(), { headers: { "content-type": m.registry.contentType, "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
});
