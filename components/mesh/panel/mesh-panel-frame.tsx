"use client";
/**
 * The side panel over the right edge of the graph (over it, not beside it, so
 * the graph never resizes). Its title takes focus when it opens or switches,
 * so keyboard users land in it; Esc or the close button closes it. A form
 * inside that handles Esc itself (cancel) keeps the panel open. Closing gives
 * focus back to what opened the panel (a node, a link, a button).
 */
import { useEffect, useRef, type ReactNode } from "react";
import type { MeshStateView } from "@/components/trpc/router-types";
import type { PanelState } from "../use-mesh-selection";

/** What the live node and link panels get from the Mesh page. */
export interface LivePanelProps {
  id: string;
  state: MeshStateView;
  names: ReadonlyMap<string, string>;
  show: (p: PanelState) => void;
  onClose: () => void;
}

interface Props {
  title: ReactNode;
  subtitle?: ReactNode;
  /** Changes when the panel shows something else: focus moves to the title again. */
  subjectKey: string;
  onClose: () => void;
  children: ReactNode;
}

export function MeshPanelFrame({ title, subtitle, subjectKey, onClose, children }: Props) {
  const titleRef = useRef<HTMLHeadingElement>(null);
  const latestClose = useRef(onClose);
  useEffect(() => {
    latestClose.current = onClose;
  });

  // Declared first so it sees what had focus before the title takes it: closing gives focus back there.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    return () => {
      if (opener && opener !== document.body && opener.isConnected) requestAnimationFrame(() => opener.focus({ preventScroll: true }));
    };
  }, []);

  useEffect(() => {
    titleRef.current?.focus({ preventScroll: true });
  }, [subjectKey]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) latestClose.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <aside
      data-testid="mesh-panel"
      data-subject={subjectKey}
      aria-labelledby="mesh-panel-title"
      className="absolute inset-y-0 right-0 z-10 flex w-[min(34rem,100%)] flex-col border-l border-line-strong bg-panel/[0.97] shadow-2xl shadow-black/60 backdrop-blur"
    >
      <header className="flex items-start justify-between gap-3 border-b border-line px-5 py-4">
        <div className="min-w-0">
          <h2 id="mesh-panel-title" ref={titleRef} tabIndex={-1} data-testid="mesh-panel-title" className="truncate text-2xl font-bold text-white focus:outline-none">
            {title}
          </h2>
          {subtitle ? <div className="mt-1 text-base text-slate-300">{subtitle}</div> : null}
        </div>
        <button
          type="button"
          onClick={onClose}
          data-testid="mesh-panel-close"
          aria-label="Close panel (Esc)"
          title="Close (Esc)"
          className="rounded-lg border border-line-strong px-3 py-1 text-xl leading-none text-slate-200 hover:bg-panel-raised"
        >
          ×
        </button>
      </header>
      <div className="flex min-h-0 flex-1 flex-col gap-5 overflow-y-auto px-5 py-4">{children}</div>
    </aside>
  );
}
