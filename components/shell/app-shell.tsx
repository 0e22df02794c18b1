/**
 * The console frame: a left rail with the product name, the areas and who
 * is signed in; the page on the right. Collapses to a top bar on narrow screens.
 * The rail's background runs the page's whole height (however long the page),
 * while its contents stay in view as the page scrolls. The wall screen has no
 * frame (shell-frame.tsx).
 */
import Link from "next/link";
import type { ReactNode } from "react";
import { LiveIndicator } from "./live-indicator";
import { NavLinks } from "./nav-links";
import { ShellFrame } from "./shell-frame";
import { UserMenu } from "@/components/auth/user-menu";
import { IntegrityBanner } from "@/components/audit/integrity-banner";

export function AppShell({ children }: { children: ReactNode }) {
  const rail = (
    <aside className="shrink-0 border-b border-line bg-panel lg:w-64 lg:self-stretch lg:border-b-0 lg:border-r" data-testid="sidebar">
      <div className="flex flex-wrap items-center gap-6 px-5 py-5 lg:sticky lg:top-0 lg:h-screen lg:flex-col lg:flex-nowrap lg:items-stretch">
        <Link href="/mesh" className="flex flex-col rounded-md" data-testid="brand">
          <span className="text-2xl font-extrabold tracking-tight text-white">
            QEC<span className="text-sky-400">Net</span>
          </span>
          <span className="text-sm text-slate-300">Key lifecycle console</span>
        </Link>
        <NavLinks />
        <div className="flex flex-col gap-3 lg:mt-auto">
          <LiveIndicator />
          <UserMenu />
        </div>
      </div>
    </aside>
  );
  return (
    <ShellFrame rail={rail} banner={<IntegrityBanner />}>
      {children}
    </ShellFrame>
  );
}
