/**
 * GET /api/ready — 200 when the database is reachable, migrations are applied
 * and background workers run; 503 with the failing checks otherwise. Its checks
 * name workers and failures, so it needs a session or the metrics token
 * (orchestrator probes send it as a bearer token, like the scraper).
 */
import { checkReadiness } from "@/server/runtime/readiness";
import { guarded } from "@/server/api/route-guard";
import { services } from "@/server/runtime/services";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/ready", async () => {
  try {
    const r = await checkReadiness(services().db);
    return Response.json({ status: r.ready ? "ready" : "not ready", checks: r.checks }, { status: r.ready ? 200 : 503 });
  } catch (err) {
    return Response.json({ status: "not ready", checks: [{ name: "services", ok: false, detail: (err as Error).message }] }, { status: 503 });
  }
});
