/**
 * The demo mesh seeded on a fresh console: a sovereign hub, trusted relays and
 * metro endpoints, with fibre links whose secret key rates follow the model in
 * ../shared/DOMAIN.md (R = R0 * 10^(-alpha*L/10), R0 = 17.094 Mbit/s, alpha =
 * 0.2 dB/km, ITU-T G.652; reproduces Mehic et al., IEEE Network 2025).
 * The mesh issue replaces this with a larger topology and a simulation.
 */
export const FIBRE_LOSS_DB_PER_KM = 0.2;
export const R0_BITS_PER_SECOND = 17_094_000;

export function secretKeyRate(lengthKm: number, lossDbPerKm = FIBRE_LOSS_DB_PER_KM): number {
  return R0_BITS_PER_SECOND * 10 ** ((-lossDbPerKm * lengthKm) / 10);
}

export interface DemoNode {
  id: string;
  name: string;
  role: "HUB" | "RELAY" | "ENDPOINT";
  site: string;
  x: number;
  y: number;
  status?: "ONLINE" | "DEGRADED" | "ISOLATED" | "OFFLINE";
}

export const DEMO_NODES: DemoNode[] = [
  { id: "hub-sov", name: "Sovereign Hub", role: "HUB", site: "Central Key Authority", x: 500, y: 300 },
  { id: "relay-north", name: "Relay North", role: "RELAY", site: "Northgate exchange", x: 500, y: 80 },
  { id: "relay-east", name: "Relay East", role: "RELAY", site: "Eastport exchange", x: 800, y: 300 },
  { id: "relay-west", name: "Relay West", role: "RELAY", site: "Westfield exchange", x: 200, y: 300 },
  { id: "ep-ministry", name: "Ministry Gateway", role: "ENDPOINT", site: "Government quarter", x: 330, y: 60 },
  { id: "ep-bank", name: "Central Bank DC", role: "ENDPOINT", site: "Financial district", x: 680, y: 60 },
  { id: "ep-grid", name: "Grid Control", role: "ENDPOINT", site: "Energy operations centre", x: 980, y: 200 },
  { id: "ep-port", name: "Port Authority", role: "ENDPOINT", site: "Harbour", x: 980, y: 420, status: "DEGRADED" },
  { id: "ep-hospital", name: "Regional Hospital", role: "ENDPOINT", site: "Health campus", x: 40, y: 200 },
  { id: "ep-dc2", name: "Backup Data Centre", role: "ENDPOINT", site: "Westfield industrial park", x: 60, y: 440 },
];

/** [a, b, fibre km, baseline QBER] */
export const DEMO_LINKS: Array<[string, string, number, number]> = [
  ["hub-sov", "relay-north", 42, 0.018],
  ["hub-sov", "relay-east", 65, 0.022],
  ["hub-sov", "relay-west", 58, 0.02],
  ["relay-north", "ep-ministry", 12, 0.012],
  ["relay-north", "ep-bank", 18, 0.014],
  ["relay-east", "ep-grid", 35, 0.019],
  ["relay-east", "ep-port", 48, 0.041],
  ["relay-west", "ep-hospital", 27, 0.016],
  ["relay-west", "ep-dc2", 22, 0.015],
  ["relay-north", "relay-east", 88, 0.027],
  ["ep-bank", "ep-grid", 31, 0.02],
];
