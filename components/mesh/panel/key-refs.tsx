/** Keys a node holds or relayed, or that travelled over a link: label, state, each linked to its key page. Never material. */
import Link from "next/link";
import type { MeshKeyRef } from "@/components/trpc/router-types";
import { RelativeTime } from "@/components/ui/relative-time";
import { PanelSection } from "./panel-section";

function KeyList({ keys, empty, testId }: { keys: MeshKeyRef[]; empty: string; testId: string }) {
  if (keys.length === 0) return <p className="text-base text-slate-300" data-testid={`${testId}-empty`}>{empty}</p>;
  return (
    <ul className="flex flex-col gap-1" data-testid={testId}>
      {keys.map((k) => (
        <li key={`${k.involvement}-${k.id}`} className="flex items-center justify-between gap-3 text-base">
          <Link href={`/keys/${k.id}`} className="min-w-0 truncate font-semibold text-sky-300 underline underline-offset-2 hover:decoration-2" data-testid="mesh-key-link">
            {k.label}
            {k.generation > 1 ? <span className="font-normal text-slate-400"> · gen {k.generation}</span> : null}
          </Link>
          <span className="flex shrink-0 items-center gap-2 text-sm text-slate-300">
            <span className="font-mono text-xs uppercase">{k.state}</span>
            {k.confirmed === false ? <span className="text-amber-200">receipt pending</span> : null}
            {k.routedAt ? <RelativeTime date={k.routedAt} /> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function NodeKeys({ keys }: { keys: MeshKeyRef[] }) {
  const holds = keys.filter((k) => k.involvement === "holds");
  const relayed = keys.filter((k) => k.involvement === "relayed");
  return (
    <>
      <PanelSection title={`Keys held (${holds.length})`}>
        <KeyList keys={holds} empty="This node holds no key with material." testId="node-keys-held" />
      </PanelSection>
      <PanelSection title={`Keys relayed through it (${relayed.length})`}>
        <p className="text-sm text-slate-400">A trusted relay sees every key it forwards: these are in its blast radius too.</p>
        <KeyList keys={relayed} empty="No key has been relayed through this node." testId="node-keys-relayed" />
      </PanelSection>
    </>
  );
}

export function LinkKeys({ keys }: { keys: MeshKeyRef[] }) {
  return (
    <PanelSection title={`Keys routed over it (${keys.length})`}>
      <KeyList keys={keys} empty="No key has travelled over this link yet." testId="link-keys" />
    </PanelSection>
  );
}
