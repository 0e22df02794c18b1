"use client";
/**
 * A link's one-time pads in its panel (issue 18): what each end reported it
 * has left per direction (delivered - used, in bytes and 256-bit keys), when
 * it reported, and, when the two ends were found to disagree, which key's hop
 * showed it and when. Counts only: pad bytes never leave the link's ends.
 */
import type { LinkPadsView, MeshLinkView } from "@/components/trpc/router-types";
import { ErrorPanel } from "@/components/ui/error-panel";
import { formatDateTime } from "@/components/ui/format";
import { SkeletonRows } from "@/components/ui/skeleton-rows";
import { directionLabel, formatKeys, formatPadBytes } from "../../graph/pad-format";
import { PanelSection } from "./panel-section";
import { ResyncPads } from "../actions/resync-pads";

const DIRECTIONS = ["A>B", "B>A"] as const;

function Desync({ desync, names }: { desync: NonNullable<LinkPadsView["desync"]>; names: { a: string; b: string } }) {
  return (
    <p role="status" data-testid="link-pads-desync" className="rounded-md border border-rose-400/70 bg-rose-950/60 px-3 py-2 text-base text-rose-100">
      <span className="font-semibold">Pads disagree:</span> the hop of key <span className="font-mono" data-testid="link-pads-desync-key">{desync.keyId}</span> ({directionLabel(desync.direction, names)})
      decrypted to other bytes than were sent, detected {formatDateTime(new Date(desync.detectedAt))}. No key crosses this link until it is resynchronised.
    </p>
  );
}

function PadTable({ pads, names }: { pads: LinkPadsView; names: { a: string; b: string } }) {
  return (
    <table className="w-full text-left text-sm" data-testid="link-pads-table">
      <thead className="text-slate-400">
        <tr>
          <th scope="col" className="py-1 pr-2 font-medium">End</th>
          {DIRECTIONS.map((d) => <th key={d} scope="col" className="py-1 pr-2 font-medium">{directionLabel(d, names)}</th>)}
        </tr>
      </thead>
      <tbody>
        {pads.ends.map((e) => (
          <tr key={e.end} data-testid="link-pads-end" data-end={e.end} className="border-t border-line align-top">
            <th scope="row" className="py-1 pr-2 font-semibold text-slate-100">
              {e.end === "A" ? names.a : names.b}
              <span className="block text-xs font-normal text-slate-400">reported {formatDateTime(new Date(e.reportedAt))}</span>
            </th>
            {DIRECTIONS.map((d) => {
              const s = e.streams.find((x) => x.direction === d);
              return (
                <td key={d} className="py-1 pr-2 tabular-nums text-slate-100" data-testid="link-pads-level" data-direction={d}>
                  {s ? (
                    <span title={`delivered ${formatPadBytes(s.deliveredBytes)}, used ${formatPadBytes(s.usedBytes)}`}>
                      {formatPadBytes(s.availableBytes)}
                      <span className="block text-xs text-slate-400">{formatKeys(s.availableKeys)}</span>
                    </span>
                  ) : (
                    <span className="text-slate-400">not reported</span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The part of a mesh.pads query the section reads. */
export interface PadsQuery {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: LinkPadsView[] | undefined;
  refetch: () => unknown;
}

export function LinkPads({ link, names, query }: { link: MeshLinkView; names: ReadonlyMap<string, string>; query: PadsQuery }) {
  const ends = { a: names.get(link.aNodeId) ?? link.aNodeId, b: names.get(link.bNodeId) ?? link.bNodeId };
  const pads = query.data?.[0];
  return (
    <PanelSection title="One-time pads" testId="link-pads">
      {query.isPending ? (
        <SkeletonRows rows={2} label="Loading the pad levels" testId="link-pads-loading" />
      ) : query.isError ? (
        <ErrorPanel title="Could not load this link's pad levels" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          {pads?.desync ? (
            <>
              <Desync desync={pads.desync} names={ends} />
              <ResyncPads linkId={link.id} title={`${ends.a} – ${ends.b}`} />
            </>
          ) : null}
          {pads && pads.ends.length > 0 ? (
            <PadTable pads={pads} names={ends} />
          ) : (
            <p className="text-base text-slate-300" data-testid="link-pads-empty">No pad report from this link&apos;s ends yet.</p>
          )}
        </>
      )}
    </PanelSection>
  );
}
