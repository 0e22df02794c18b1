/**
 * Runs the built console (`next build` first) through its own HTTP server
 * (server/runtime/http-server.ts) on PORT: what `npm start` and `npm run demo`
 * start, instead of `next start`, so that sign-in throttling sees real client
 * addresses. Stops on SIGINT/SIGTERM.
 */
import path from "node:path";
import { startConsoleServer } from "../server/runtime/http-server";
import { envOrExit } from "./script-env";

const portArg = process.argv.indexOf("-p");
const env = envOrExit();
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : env.PORT;
const server = await startConsoleServer({ dir: path.resolve(import.meta.dirname, ".."), port, hostname: process.env.HOSTNAME || undefined, trustedProxies: env.QECNET_TRUSTED_PROXIES });
console.log(`QECNet console listening on port ${port}${env.QECNET_TRUSTED_PROXIES.length ? ` (trusting X-Forwarded-For from ${env.QECNET_TRUSTED_PROXIES.join(", ")})` : ""}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
