/**
 * The demo's applications (SAEs, KEY-DELIVERY.md §3): one at the central bank's
 * site and one at the stock exchange's, so the demo has a pair at two sites.
 * `npm run pki:dev` issues each a client certificate from the SAE CA.
 */
export interface DemoSae {
  saeId: string;
  /** The site whose KME serves it (a node of DEMO_NODES). */
  nodeId: string;
}

export const DEMO_SAES: readonly DemoSae[] = [
  { saeId: "sae-bank-1", nodeId: "ep-bank" },
  { saeId: "sae-stock-1", nodeId: "ep-stock" },
];
