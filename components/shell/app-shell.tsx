/**
 * The console frame: a left rail with the product name, the areas and who
 * is signed in; the page on the right. Collapses to a top bar on narrow screens.
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { LiveIndicator } from "./live-indicator";
import { NavLinks } from "./nav-links";
import { UserMenu } from "@/components/auth/user-menu";
import { IntegrityBanner } from "@/components/audit/integrity-banner";

export function AppShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col lg:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-sky-500 focus:px-4 focus:py-2 focus:text-slate-950">
        Skip to content
      </a>
      <aside className="flex shrink-0 flex-wrap items-center gap-6 border-b border-line bg-panel px-5 py-5 lg:sticky lg:top-0 lg:h-screen lg:w-64 lg:flex-col lg:flex-nowrap lg:items-stretch lg:border-b-0 lg:border-r">
        <Link href="/mesh" className="flex flex-col rounded-md" data-testid="brand">
          <span className="text-2xl font-extrabold tracking-tight text-white">
            QEC<span className="text-sky-400">Net</span>
          </span>
          <span className="text-sm text-slate-400">Key lifecycle console</span>
        </Link>
        <NavLinks />
        <div className="flex flex-col gap-3 lg:mt-auto">
          <LiveIndicator />
          <UserMenu />
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 px-6 py-6 lg:px-10 lg:py-8">
        <IntegrityBanner />
        {children}
      </main>
    </div>
  );
}
