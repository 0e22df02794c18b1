/** Sign-in. In a demo, the demo accounts are listed (they exist only there). */
import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { SignInForm } from "@/components/auth/sign-in-form";
import { auth } from "@/server/runtime/auth-instance";
import { safeNext } from "@/server/auth/safe-next";
import { sessionUserFrom } from "@/server/auth/session-user";
import { env } from "@/server/config/env";
import { existingDemoAccounts } from "@/server/demo/demo-users";
import { services } from "@/server/runtime/services";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  // Only a path of this console, for both the form's redirect and the "Continue" link (server/auth/safe-next.ts).
  const next = safeNext((await searchParams).next);
  const h = await headers();
  const user = await sessionUserFrom(auth(), h);
  const demo = env().QECNET_SEED_DEMO ? await existingDemoAccounts(services().db) : [];
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-6">
      <div>
        <div className="text-3xl font-extrabold tracking-tight text-white">
          QEC<span className="text-sky-400">Net</span>
        </div>
        <h1 className="mt-2 text-2xl font-bold text-white">Sign in to the key lifecycle console</h1>
      </div>
      {user ? (
        <p className="text-base text-slate-200" data-testid="already-signed-in">
          You are signed in as {user.name} ({user.email}, {user.role}). <Link className="text-sky-300 underline" href={next}>Continue</Link>
        </p>
      ) : (
        <SignInForm next={next} demoAccounts={demo.map(({ email, name, role, password, what }) => ({ email, name, role, password, what }))} />
      )}
    </div>
  );
}
