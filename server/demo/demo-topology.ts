/**
 * The demo mesh seeded on a fresh console: a national network of 24 nodes — the
 * sovereign hub, a backbone of five trusted relays, and metro clusters of
 * endpoints (government, finance, energy, health, transport), some dual-homed.
 * Fibre lengths are 9-95 km; each link states its detector error (optical
 * misalignment), the other decoy-state parameters are GYS; rates, baseline QBER
 * and pools follow the decoy-state model in server/domain/mesh/link-rate.ts. Coordinates are
 * the graph's layout, in screen units.
 */
import { QBER_WARNING } from "../domain/mesh/link-physics";
import { buildLink } from "../domain/mesh/mesh-builder";
import type { Mesh, MeshNode } from "../domain/mesh/mesh-model";

type DemoNode = Omit<MeshNode, "statusReason" | "status"> & { status?: MeshNode["status"] };

export const DEMO_NODES: DemoNode[] = [
  { id: "hub-sov", name: "Sovereign Hub", role: "HUB", site: "Central Key Authority", x: 700, y: 420 },
  { id: "relay-north", name: "Relay North", role: "RELAY", site: "Northgate exchange", x: 700, y: 140 },
  { id: "relay-east", name: "Relay East", role: "RELAY", site: "Eastport exchange", x: 1120, y: 340 },
  { id: "relay-south", name: "Relay South", role: "RELAY", site: "Southbridge exchange", x: 760, y: 720 },
  { id: "relay-west", name: "Relay West", role: "RELAY", site: "Westfield exchange", x: 280, y: 400 },
  { id: "relay-harbour", name: "Relay Harbour", role: "RELAY", site: "Harbour exchange", x: 1140, y: 660 },
  { id: "ep-ministry", name: "Ministry Gateway", role: "ENDPOINT", site: "Government quarter", x: 480, y: 40 },
  { id: "ep-parliament", name: "Parliament", role: "ENDPOINT", site: "Government quarter", x: 560, y: 230 },
  { id: "ep-bank", name: "Central Bank DC", role: "ENDPOINT", site: "Financial district", x: 900, y: 30 },
  { id: "ep-defence", name: "Defence Command", role: "ENDPOINT", site: "Northgate barracks", x: 880, y: 200 },
  { id: "ep-embassy", name: "Embassy Row", role: "ENDPOINT", site: "Diplomatic quarter", x: 1080, y: 110 },
  { id: "ep-stock", name: "Stock Exchange", role: "ENDPOINT", site: "Financial district", x: 960, y: 420 },
  { id: "ep-grid", name: "Grid Control", role: "ENDPOINT", site: "Energy operations centre", x: 1360, y: 250 },
  { id: "ep-telco", name: "Telecom Core", role: "ENDPOINT", site: "Eastport switching centre", x: 1360, y: 480 },
  { id: "ep-port", name: "Port Authority", role: "ENDPOINT", site: "Harbour", x: 1370, y: 740, status: "DEGRADED" },
  { id: "ep-customs", name: "Customs Office", role: "ENDPOINT", site: "Harbour", x: 1130, y: 860 },
  { id: "ep-hospital", name: "Regional Hospital", role: "ENDPOINT", site: "Health campus", x: 600, y: 860 },
  { id: "ep-university", name: "National University", role: "ENDPOINT", site: "Southbridge campus", x: 880, y: 880 },
  { id: "ep-water", name: "Water Authority", role: "ENDPOINT", site: "Reservoir control", x: 520, y: 620 },
  { id: "ep-dc1", name: "Primary Data Centre", role: "ENDPOINT", site: "Hub campus", x: 880, y: 540 },
  { id: "ep-dc2", name: "Backup Data Centre", role: "ENDPOINT", site: "Westfield industrial park", x: 60, y: 560 },
  { id: "ep-police", name: "Police HQ", role: "ENDPOINT", site: "West district", x: 80, y: 260 },
  { id: "ep-airport", name: "International Airport", role: "ENDPOINT", site: "Airport", x: 300, y: 700 },
  { id: "ep-rail", name: "Rail Control", role: "ENDPOINT", site: "Central station", x: 420, y: 300 },
];

/** [a, b, fibre km, detector error e_d] (the baseline QBER is about e_d on short links, more near the cut-off) */
export const DEMO_LINKS: Array<[string, string, number, number]> = [
  // backbone
  ["hub-sov", "relay-north", 42, 0.018],
  ["hub-sov", "relay-east", 65, 0.022],
  ["hub-sov", "relay-west", 58, 0.02],
  ["hub-sov", "relay-south", 51, 0.019],
  ["relay-north", "relay-east", 88, 0.027],
  ["relay-east", "relay-harbour", 37, 0.017],
  ["relay-south", "relay-harbour", 72, 0.024],
  ["relay-west", "relay-south", 80, 0.026],
  ["relay-north", "relay-west", 95, 0.029],
  // metro north
  ["relay-north", "ep-ministry", 12, 0.012],
  ["relay-north", "ep-parliament", 9, 0.011],
  ["relay-north", "ep-bank", 18, 0.014],
  ["relay-north", "ep-defence", 14, 0.013],
  ["relay-east", "ep-embassy", 20, 0.015],
  // metro east
  ["relay-east", "ep-stock", 16, 0.014],
  ["relay-east", "ep-grid", 35, 0.019],
  ["relay-east", "ep-telco", 28, 0.017],
  // harbour
  ["relay-harbour", "ep-port", 22, 0.058], // a splice under repair: in the warning band
  ["relay-harbour", "ep-customs", 19, 0.016],
  ["relay-harbour", "ep-telco", 33, 0.018],
  // south
  ["relay-south", "ep-hospital", 24, 0.016],
  ["relay-south", "ep-university", 31, 0.018],
  ["relay-south", "ep-water", 26, 0.017],
  // west
  ["relay-west", "ep-dc2", 22, 0.015],
  ["relay-west", "ep-police", 27, 0.016],
  ["relay-west", "ep-airport", 44, 0.021],
  ["relay-west", "ep-rail", 21, 0.015],
  ["relay-south", "ep-airport", 48, 0.022],
  // hub campus and dual homes
  ["hub-sov", "ep-dc1", 15, 0.012],
  ["hub-sov", "ep-stock", 30, 0.016],
  ["hub-sov", "ep-defence", 40, 0.019],
];

/** The demo mesh as pure data (pools start 40-95% full). */
export function demoMesh(): Mesh {
  const nodes = new Map(DEMO_NODES.map((n) => [n.id, { ...n, status: n.status ?? "ONLINE", statusReason: n.status === "DEGRADED" ? "port fibre splice under repair" : null } satisfies MeshNode]));
  const links = new Map(
    DEMO_LINKS.map(([a, b, km, detectorErrorRate]) => {
      const l = buildLink({ aNodeId: a, bNodeId: b, lengthKm: km, detectorErrorRate, fill: 0.4 + ((km * 7) % 55) / 100 });
      return [l.id, { ...l, status: l.baselineQber > QBER_WARNING ? ("DEGRADED" as const) : ("UP" as const) }];
    }),
  );
  return { nodes, links };
}
