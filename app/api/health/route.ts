/**
 * Liveness: the process answers. Open to anyone (load balancers) and so it says
 * nothing else; readiness (database, migrations, workers) is /api/ready.
 */
import { guarded } from "@/server/api/route-guard";

export const dynamic = "force-dynamic";

export const GET = guarded("/api/health", () => Response.json({ status: "ok" }));
