/** GET /api/metrics — Prometheus text format (prom-client); database gauges are read at scrape time. */
import { metrics } from "@/server/ops/metrics";
import { errorResponse } from "@/server/api/http-response";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const m = metrics();
    m.attach({ db: services().db, clock: services().keys.clock });
    return new Response(await m.scrape(), { headers: { "content-type": m.registry.contentType, "cache-control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
