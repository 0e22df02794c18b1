"use client";
/**
 * The console's keyboard shortcuts, on every page: `f` full screen, `w` the
 * wall view (and back to the Mesh page), `/` search a node or a key, `?` the
 * list of shortcuts, `Esc` closes what is open. Letters are ignored while
 * typing in a field. Dialogs are native modal <dialog>s (focus stays inside,
 * Esc closes them) and give focus back to what had it when they close.
 */
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTRPC } from "@/components/trpc/trpc-context";

export const SHORTCUTS: ReadonlyArray<{ key: string; what: string }> = [
  { key: "f", what: "Full screen on or off" },
  { key: "w", what: "Wall view on or off" },
  { key: "/", what: "Search a node or a key" },
  { key: "?", what: "This list of shortcuts" },
  { key: "Esc", what: "Close a dialog or panel" },
  { key: "Arrows", what: "In the mesh graph: the next node, or the next link, that way" },
  { key: "Shift + arrow", what: "In the mesh graph: from a node to its link that way, and back" },
  { key: "Enter", what: "In the mesh graph: open the focused node or link" },
];

type Open = "help" | "search" | null;

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

export function KeyboardShortcuts() {
  const router = useRouter();
  const pathname = usePathname();
  const [open, setOpen] = useState<Open>(null);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typingIn(e.target)) return;
      if (document.querySelector("dialog[open]")) return; // a dialog handles its own keys
      if (e.key === "f") {
        e.preventDefault();
        if (document.fullscreenElement) void document.exitFullscreen();
        else void document.documentElement.requestFullscreen().catch(() => undefined);
      } else if (e.key === "w") {
        e.preventDefault();
        router.push(pathname === "/wall" ? "/mesh" : "/wall");
      } else if (e.key === "/") {
        e.preventDefault();
        setOpen("search");
      } else if (e.key === "?") {
        e.preventDefault();
        setOpen("help");
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [router, pathname]);

  const close = () => setOpen(null);
  if (open === "help") {
    return (
      <Modal title="Keyboard shortcuts" testId="shortcuts-help" onClose={close}>
        <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-lg">
          {SHORTCUTS.map((s) => (
            <div key={s.key} className="contents">
              <dt><kbd className="inline-block min-w-10 rounded border border-line-strong bg-panel-raised px-2 text-center font-mono text-white">{s.key}</kbd></dt>
              <dd className="text-slate-100">{s.what}</dd>
            </div>
          ))}
        </dl>
      </Modal>
    );
  }
  if (open === "search") {
    return (
      <Modal title="Search a node or a key" testId="shortcut-search" onClose={close}>
        <SearchBox onPick={(href) => { close(); router.push(href); }} />
      </Modal>
    );
  }
  return null;
}

function Modal({ title, testId, onClose, children }: { title: string; testId: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current;
    dialog?.showModal();
    // showModal focuses the first button; a field marked to take focus (the search box) gets it instead.
    dialog?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      dialog?.close();
      // Focus goes back to what opened the dialog (or stays on the page's main area).
      (opener && opener.isConnected ? opener : document.getElementById("main"))?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      onClick={(e) => { if (e.target === ref.current) onClose(); }}
      className="m-auto w-[36rem] max-w-[92vw] rounded-xl border border-line-strong bg-panel p-0 text-slate-100 shadow-2xl shadow-black/70 backdrop:bg-black/60"
    >
      <div className="flex flex-col gap-4 p-6">
        <div className="flex items-center justify-between gap-4">
          <h2 id={`${testId}-title`} className="text-xl font-bold text-white">{title}</h2>
          <button type="button" onClick={onClose} className="rounded-md border border-line-strong px-3 py-1 text-base text-slate-100 hover:bg-panel-raised" data-testid="dialog-close">
            Close <span className="sr-only">(Esc)</span>
          </button>
        </div>
        {children}
      </div>
    </dialog>
  );
}

function SearchBox({ onPick }: { onPick: (href: string) => void }) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const q = text.trim();
  const mesh = useQuery(trpc.mesh.state.queryOptions(undefined, { staleTime: 10_000 }));
  const keys = useQuery(trpc.keys.list.queryOptions({ search: q, limit: 6 }, { enabled: q.length >= 2 }));
  const nodes = q ? (mesh.data?.nodes ?? []).filter((n) => `${n.name} ${n.site} ${n.id}`.toLowerCase().includes(q.toLowerCase())).slice(0, 6) : [];
  const found = [
    ...nodes.map((n) => ({ href: `/mesh?node=${encodeURIComponent(n.id)}`, label: n.name, kind: "node", testId: "search-result-node" })),
    ...(q.length >= 2 ? (keys.data?.items ?? []) : []).map((k) => ({ href: `/keys/${encodeURIComponent(k.id)}`, label: k.label, kind: `key, ${k.state.toLowerCase()}`, testId: "search-result-key" })),
  ];
  return (
    <form className="flex flex-col gap-3" onSubmit={(e) => { e.preventDefault(); if (found[0]) onPick(found[0].href); }}>
      <label className="flex flex-col gap-1 text-base text-slate-200">
        Node name or site, key label, purpose or fingerprint
        <input
          data-autofocus
          value={text}
          onChange={(e) => setText(e.target.value)}
          className="rounded-md border border-line-strong bg-canvas px-3 py-2 text-lg text-white"
          data-testid="shortcut-search-input"
        />
      </label>
      <ul className="flex flex-col gap-1" aria-label="Results">
        {found.map((r) => (
          <li key={r.href}>
            <button type="button" onClick={() => onPick(r.href)} data-testid={r.testId} className="flex w-full justify-between gap-3 rounded-md px-3 py-2 text-left text-lg text-white hover:bg-panel-raised">
              <span>{r.label}</span>
              <span className="text-base text-slate-200">{r.kind}</span>
            </button>
          </li>
        ))}
        {q && found.length === 0 ? <li className="px-3 text-base text-slate-200">Nothing found.</li> : null}
      </ul>
    </form>
  );
}
