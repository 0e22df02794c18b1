"use client";
/**
 * Chooses the frame by page: the console's rail and main column everywhere,
 * and on the wall screen (/wall) the page alone over the whole viewport, with
 * no navigation chrome (the integrity alarm still shows, along its foot).
 * The keyboard shortcuts (f, w, /, ?, Esc) live here so they work on every page.
 */
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { KeyboardShortcuts } from "./keyboard-shortcuts";

export const WALL_PATH = "/wall";

export function ShellFrame({ rail, banner, children }: { rail: ReactNode; banner: ReactNode; children: ReactNode }) {
  const wall = usePathname() === WALL_PATH;
  if (wall) {
    return (
      <main id="main" tabIndex={-1} className="relative h-screen overflow-hidden" data-testid="wall-frame">
        {children}
        <div className="absolute inset-x-4 bottom-4 z-20 max-w-3xl">{banner}</div>
        <KeyboardShortcuts />
      </main>
    );
  }
  return (
    <div className="flex min-h-screen flex-col lg:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-sky-500 focus:px-4 focus:py-2 focus:text-slate-950">
        Skip to content
      </a>
      {rail}
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-6 py-6 outline-none lg:px-10 lg:py-8">
        {banner}
        {children}
      </main>
      <KeyboardShortcuts />
    </div>
  );
}
