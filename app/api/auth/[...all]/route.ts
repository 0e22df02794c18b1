/** better-auth's endpoints: sign-in, sign-out, session (server/auth/auth.ts). */
import { guarded } from "@/server/api/route-guard";
import { auth } from "@/server/auth/auth-instance";

export const dynamic = "force-dynamic";

const handler = guarded("/api/auth/[...all]", (req) => auth().handler(req));

export { handler as GET, handler as POST };
