/**
 * better-auth's endpoints: sign-in, sign-out, session (server/auth/auth.ts).
 * The client address better-auth throttles by is believed only when the
 * console's HTTP server stamped it from the socket (server/auth/client-address.ts).
 */
import { guarded } from "@/server/api/route-guard";
import { THROTTLE_SCOPE_HEADER } from "@/server/auth/auth";
import { auth } from "@/server/runtime/auth-instance";
import { withVerifiedClientAddress } from "@/server/auth/client-address";
import { logger } from "@/server/ops/logger";
import { metrics } from "@/server/ops/metrics";

export const dynamic = "force-dynamic";

const handler = guarded("/api/auth/[...all]", async (req) => {
  const res = await auth().handler(withVerifiedClientAddress(req, (msg) => logger().warn({}, msg)));
  // better-auth's own per-address refusals; per-account ones are counted where they are decided.
  if (res.status === 429 && !res.headers.has(THROTTLE_SCOPE_HEADER)) metrics().signInThrottled.inc({ scope: "address" });
  return res;
});

export { handler as GET, handler as POST };
