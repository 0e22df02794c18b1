/**
 * Sign-in security: enrol the second factor (an authenticator app with
 * recovery codes), add passkeys. Officers and administrators of a console that
 * is not a demo are sent here until they have enrolled (proxy.ts, tRPC gate).
 */
import type { Metadata } from "next";
import { headers } from "next/headers";
import { SecuritySettings } from "@/components/auth/security-settings";
import { PageHeader } from "@/components/ui/page-header";
import { auth } from "@/server/runtime/auth-instance";
import { needsSecondFactor } from "@/server/auth/second-factor";
import { sessionFrom } from "@/server/auth/session-user";
import { env } from "@/server/config/env";

export const metadata: Metadata = { title: "Sign-in security" };
export const dynamic = "force-dynamic";

function safeNext(next: string | string[] | undefined): string {
  const v = typeof next === "string" ? next : "";
  return /^\/(?![/\\])[^\s\\]*$/.test(v) ? v : "/mesh";
}

export default async function AccountSecurityPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const next = safeNext((await searchParams).next);
  const session = await sessionFrom(auth(), await headers());
  if (!session) return null; // the page gate sends signed-out visitors to /sign-in
  const required = needsSecondFactor(session.user.role, { required: !env().QECNET_SEED_DEMO, ...session.secondFactor });
  return (
    <div className="flex max-w-3xl flex-col gap-6">
      <PageHeader
        title="Sign-in security"
        description="A second factor: a code from an authenticator app (with one-time recovery codes), and passkeys. Officers and administrators need one on a console that is not a demo."
      />
      <SecuritySettings enrolled={session.secondFactor.enrolled} required={required} next={next} />
    </div>
  );
}
