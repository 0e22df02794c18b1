/** The scrape token of the browser tests' server (scripts/e2e-server.ts sets it as QECNET_METRICS_TOKEN); a test value, not a secret. */
export const E2E_METRICS_TOKEN = process.env.E2E_METRICS_TOKEN ?? "e2e-metrics-token-0123456789abcdef0123456789";
