/** Liveness: the process answers. Readiness (database, migrations) comes with the operations issue. */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
