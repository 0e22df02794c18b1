/**
 * The baseline server of `bench:kme`: an HTTPS server with the very TLS setup of
 * a site's KME (server/kme/listener/kme-listener.ts: the KME certificate, client
 * certificates required from the SAE CA, TLS ≥ 1.2, http/1.1, the same
 * keep-alive) that answers every request with `{}`. Run as its own process, as
 * the KMEs are; prints {"port": n} once listening.
 *
 *   node --import tsx bench/static-mtls-server.ts <kme cert> <kme key> <sae ca>
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";

const [cert, key, ca] = process.argv.slice(2);
if (!cert || !key || !ca) {
  console.error("usage: static-mtls-server.ts <kme cert> <kme key> <sae ca>");
  process.exit(2);
}
const server = createServer(
  {
    cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca),
    requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"], keepAliveTimeout: 5_000,
  },
  (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": "2" });
      res.end("{}");
    });
  },
);
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
