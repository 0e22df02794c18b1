/**
 * Everything about one link: ends, fibre, the stated decoy-state parameters its
 * rate and baseline QBER come from (server/domain/mesh/link-rate.ts), QBER
 * against the thresholds, rates, pool, eavesdropper flag.
 */
import type { MeshLinkView } from "@/components/trpc/router-types";
import { formatCount } from "@/components/ui/format";
import { formatBits, formatPercent, formatQber, formatRate, LINK_HEALTH_STYLES, QBER_ABORT, QBER_WARNING } from "../../graph/mesh-styles";
import { Facts } from "./panel-section";

/** 0.045 -> "4.5%" (detector figures need the decimal that formatPercent rounds away). */
const formatFraction = (f: number) => `${Number((f * 100).toPrecision(3))}%`;
/** 1.7e-6 -> "1.7×10⁻⁶" */
function formatSmall(x: number): string {
  if (x === 0) return "0";
  const [m, e] = x.toExponential(1).split("e");
  const sup: Record<string, string> = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };
  return `${m}×10${[...String(Number(e))].map((c) => sup[c] ?? c).join("")}`;
}
const formatPulseRate = (hz: number) => (hz >= 1e9 ? `${Number((hz / 1e9).toPrecision(3))} GHz` : `${Number((hz / 1e6).toPrecision(3))} MHz`) + " pulses";

export function LinkHealthBadge({ link }: { link: MeshLinkView }) {
  const h = LINK_HEALTH_STYLES[link.health];
  return (
    <span data-testid="link-health" data-health={link.health} className={`inline-flex items-center gap-2 font-semibold uppercase tracking-wider ${h.text}`}>
      <span aria-hidden="true" className="inline-block size-3 rounded-full" style={{ backgroundColor: h.hex }} />
      {h.label}
    </span>
  );
}

function NodeButton({ id, names, onOpenNode }: { id: string; names: ReadonlyMap<string, string>; onOpenNode: (id: string) => void }) {
  return (
    <button type="button" onClick={() => onOpenNode(id)} className="font-semibold text-sky-300 underline underline-offset-2 hover:decoration-2" data-testid="link-end" data-node-id={id}>
      {names.get(id) ?? id}
    </button>
  );
}

export function LinkFacts({ link, names, onOpenNode }: { link: MeshLinkView; names: ReadonlyMap<string, string>; onOpenNode: (id: string) => void }) {
  const qberTone = link.qber > QBER_ABORT ? "text-rose-300" : link.qber > QBER_WARNING ? "text-amber-200" : "text-slate-100";
  return (
    <Facts
      items={[
        ["Ends", <span key="e" className="flex flex-wrap gap-x-2"><NodeButton id={link.aNodeId} names={names} onOpenNode={onOpenNode} /><span aria-hidden="true">↔</span><NodeButton id={link.bNodeId} names={names} onOpenNode={onOpenNode} /></span>],
        ["Health", <LinkHealthBadge key="h" link={link} />],
        ["Status", <span key="s" data-testid="link-status" data-status={link.status}>{link.status.toLowerCase()}{link.downReason ? ` (${link.downReason})` : ""}</span>],
        ["Kind", link.kind === "BYPASS" ? `bypass through ${link.viaNodeId ? (names.get(link.viaNodeId) ?? link.viaNodeId) : "an isolated site"}` : "fibre"],
        ["Fibre", `${link.lengthKm} km · ${link.lossDbPerKm} dB/km`],
        [
          "Detector",
          <span key="d" className="tabular-nums">
            efficiency {formatFraction(link.detectorEfficiency)} · error {formatFraction(link.detectorErrorRate)} · dark counts {formatSmall(link.darkCountYield)}/pulse
          </span>,
          "link-detector",
        ],
        [
          "Source",
          <span key="src" className="tabular-nums">
            {formatPulseRate(link.pulseRateHz)} · intensity μ {link.signalIntensity.toFixed(2)} (optimised) · error correction f {link.errorCorrectionEfficiency}
          </span>,
          "link-source",
        ],
        [
          "QBER",
          <span key="q" className={`font-semibold tabular-nums ${qberTone}`}>
            {formatQber(link.qber)} <span className="font-normal text-slate-400">(baseline {formatQber(link.baselineQber)}; warn {formatQber(QBER_WARNING)}, abort {formatQber(QBER_ABORT)})</span>
          </span>,
          "link-qber",
        ],
        ["Key rate", <span key="r" className="tabular-nums">{formatRate(link.secretKeyRateBps)} <span className="text-slate-400">(decoy-state BB84 model at the baseline: {formatRate(link.nominalRateBps)})</span></span>, "link-rate"],
        [
          "Key pool",
          <span key="p" className="flex flex-col gap-1">
            <span className="tabular-nums">{formatPercent(link.poolLevel)} · {formatBits(link.poolBits)} of {formatBits(link.poolCapacityBits)}</span>
            <span className="h-2 overflow-hidden rounded-full bg-line" aria-hidden="true">
              <span className="block h-full rounded-full bg-sky-400" style={{ width: `${Math.round(link.poolLevel * 100)}%` }} />
            </span>
          </span>,
          "link-pool",
        ],
        ["Bits consumed", <span key="b" className="tabular-nums">{formatCount(link.bitsConsumed)}</span>],
        [
          "Eavesdropper",
          link.eavesdropper ? <span key="v" className="font-semibold text-rose-300">simulated eavesdropper on this link</span> : "none",
          "link-eavesdropper",
        ],
      ]}
    />
  );
}
