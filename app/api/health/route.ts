/** Liveness: the process answers. Readiness (database, migrations, workers) is /api/ready. */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
