/**
 * What the server answered after an isolation or a restore: the links it
 * severed or brought back, the bypass channels the neighbours set up (or
 * removed), and any node left without a path to the hub.
 */
import type { RewireResult } from "@/components/trpc/router-types";
import { formatRate } from "../../graph/mesh-styles";

function Names({ ids, names }: { ids: string[]; names: ReadonlyMap<string, string> }) {
  return <>{ids.map((id) => names.get(id) ?? id).join(", ")}</>;
}

export function RewireOutcome({ result, names }: { result: RewireResult; names: ReadonlyMap<string, string> }) {
  const isolated = result.status === "ISOLATED" || result.status === "OFFLINE";
  const linkName = (id: string) => id.replace(/^bypass:/, "").split("--").map((n) => names.get(n) ?? n).join(" ↔ ");
  return (
    <div
      role="status"
      data-testid="rewire-outcome"
      data-severed={result.severedLinkIds.length}
      data-bypasses={result.bypasses.length}
      data-stranded={result.stranded.length}
      className={`flex flex-col gap-2 rounded-xl border p-4 text-base ${result.stranded.length ? "border-red-500/70 bg-red-950/40" : "border-emerald-500/60 bg-emerald-950/30"}`}
    >
      <p className="font-semibold text-white">
        {names.get(result.nodeId) ?? result.nodeId} is now {result.status.toLowerCase()}.
      </p>
      {isolated ? (
        <>
          <p>Severed {result.severedLinkIds.length} link{result.severedLinkIds.length === 1 ? "" : "s"}{result.severedLinkIds.length ? <>: {result.severedLinkIds.map(linkName).join("; ")}</> : null}.</p>
          {result.bypasses.length ? (
            <div>
              <p>Bypasses established ({result.bypasses.length}):</p>
              <ul className="ml-5 list-disc" data-testid="rewire-bypasses">
                {result.bypasses.map((b) => (
                  <li key={b.id}>
                    {linkName(b.id)}, {b.lengthKm} km, {formatRate(b.nominalRateBps)} nominal
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p>No bypass was needed or possible.</p>
          )}
        </>
      ) : (
        <p>
          Brought back {result.restoredLinkIds.length} link{result.restoredLinkIds.length === 1 ? "" : "s"}; removed {result.removedBypassIds.length} bypass
          {result.removedBypassIds.length === 1 ? "" : "es"} through it.
        </p>
      )}
      {result.stranded.length ? (
        <p className="font-semibold text-red-200" data-testid="rewire-stranded">
          No path to the hub any more: <Names ids={result.stranded} names={names} />.
        </p>
      ) : (
        <p className="text-emerald-200">Every other node still has a path to the hub ({result.reachableAfter} reachable).</p>
      )}
    </div>
  );
}
