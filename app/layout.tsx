/**
 * Root layout: the dark console shell (navigation, operator, live indicator)
 * around every page, inside the client-side data providers.
 */
import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { CurrentUserProvider } from "@/components/auth/current-user";
import { AppProviders } from "@/components/providers/app-providers";
import { AppShell } from "@/components/shell/app-shell";
import { auth } from "@/server/runtime/auth-instance";
import { sessionUserFrom } from "@/server/auth/session-user";
import { env } from "@/server/config/env";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "QECNet console", template: "%s · QECNet" },
  description: "Operations console of the QECNet quantum key distribution network's key lifecycle engine.",
};

/** Every page depends on who is signed in. */
export const dynamic = "force-dynamic";

export const viewport: Viewport = {
  themeColor: "#060a13",
  colorScheme: "dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Signed out (the sign-in page): no console frame, no API connections.
  const h = await headers(); // first: marks every page dynamic before anything touches the database
  const user = await sessionUserFrom(auth(), h);
  return (
    <html lang="en" className="dark">
      <body className="min-h-screen">
        {user ? (
          <CurrentUserProvider user={user} demo={env().QECNET_SEED_DEMO}>
            <AppProviders>
              <AppShell>{children}</AppShell>
            </AppProviders>
          </CurrentUserProvider>
        ) : (
          <main id="main" className="min-h-screen px-6 py-10">{children}</main>
        )}
      </body>
    </html>
  );
}
