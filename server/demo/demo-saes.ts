/**
 * The demo's applications (SAEs, KEY-DELIVERY.md §3): one at the central bank's
 * site and one at the stock exchange's, so the demo has a pair at two sites.
 * `npm run pki:dev` issues each a client certificate from the SAE CA; the demo
 * seed registers and pairs them; the demo launcher starts a KME at each of their
 * sites on a fixed port (QECNET_KME_DEMO_PORT, then the next one), so the README's
 * curl calls work against `npm run demo`.
 */
export interface DemoSae {
  saeId: string;
  /** The site whose KME serves it (a node of DEMO_NODES). */
  nodeId: string;
  description: string;
}

export const DEMO_SAES: readonly DemoSae[] = [
  { saeId: "sae-bank-1", nodeId: "ep-bank", description: "Central bank settlement gateway (demo encryptor, master)" },
  { saeId: "sae-stock-1", nodeId: "ep-stock", description: "Stock exchange clearing gateway (demo encryptor, slave)" },
];

/** The demo's KME sites in order and the port each listens on, from `base` up. */
export function demoKmePorts(base: number): Map<string, number> {
  const sites = [...new Set(DEMO_SAES.map((s) => s.nodeId))];
  return new Map(sites.map((n, i) => [n, base + i]));
}
