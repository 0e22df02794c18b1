/**
 * The console's own HTTP server around Next.js (a Next.js "custom server").
 * It exists for one reason: Next.js does not give route handlers the socket,
 * and sign-in throttling must count by the real client address, not by an
 * X-Forwarded-For that any client can write. Before Next.js sees a request,
 * the server resolves the client address from the socket (believing
 * X-Forwarded-For only from QECNET_TRUSTED_PROXIES) and stamps it with this
 * process's proof (server/auth/client-address.ts). `npm start`, `npm run demo`
 * and the browser tests' server all run the console through it.
 */
import http from "node:http";
import next from "next";
import { stampClientAddress } from "../auth/client-address";

export interface ConsoleServerOptions {
  dir: string;
  port: number;
  hostname?: string;
  trustedProxies: readonly string[];
}

export async function startConsoleServer(opts: ConsoleServerOptions): Promise<http.Server> {
  const app = next({ dev: false, dir: opts.dir, port: opts.port, hostname: opts.hostname ?? "localhost" });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    stampClientAddress(req.headers, req.socket.remoteAddress, opts.trustedProxies);
    handle(req, res).catch((err: unknown) => {
      console.error(JSON.stringify({ level: "error", msg: "request failed in the HTTP server", error: (err as Error)?.name }));
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => resolve());
  });
  return server;
}
