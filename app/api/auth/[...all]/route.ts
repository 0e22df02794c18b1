/** better-auth's endpoints: sign-in, sign-out, session (server/auth/auth.ts). */
import { auth } from "@/server/auth/auth-instance";

export const dynamic = "force-dynamic";

const handler = (req: Request) => auth().handler(req);

export { handler as GET, handler as POST };
