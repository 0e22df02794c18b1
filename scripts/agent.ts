/**
 * `npm run agent -- --node <id> --hub wss://127.0.0.1:7443/agent/v1 --data .data/agents/<id> --pki .data/pki [--allow-faults]`:
 * one site's node agent as its own process (KEY-DELIVERY.md §6.1). Exit codes:
 * 0 on SIGTERM/SIGINT after a clean close, 2 on a bad configuration (each
 * problem on its own line), 3 when the store belongs to another node or key,
 * 4 when the hub refuses the agent's identity (close 4003: the certificate's
 * CN names no node, or is not --node), which no retry can cure. A hub that
 * refuses a second agent for the node (4009) is retried with backoff.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAgentConfig } from "../server/agents/agent/agent-config";
import { AgentFaults } from "../server/agents/agent/agent-faults";
import { AgentLink } from "../server/agents/agent/agent-link";
import { SealedStore, StoreRefusedError } from "../server/agents/agent/sealed-store";
import { agentPkiPaths } from "../server/agents/pki/agent-pki-paths";
import { loadPadStreams, PadLedgerFile } from "../server/agents/agent/pad-file";
import { readChannelSeed } from "../server/quantum-channel/channel-seed";
import { startKmeListener, type KmeListener } from "../server/kme/listener/kme-listener";
import { kmePkiPaths } from "../server/kme/pki/kme-pki-paths";
import { reportRefusals, siteKmePorts } from "../server/kme/site/site-ports";
import { KmeCounts } from "../server/kme/site/kme-counts";
import { holdAfterClaims } from "../server/kme/site/test-claim-hold";
import { qecnetLogger } from "../server/ops/logger";
import { systemClock } from "../server/time/clock";

const parsed = parseAgentConfig(process.argv.slice(2), process.env);
if (!parsed.ok) {
  for (const p of parsed.problems) console.error(p);
  process.exit(2);
}
const cfg = parsed.config;
const log = qecnetLogger(cfg.logLevel, { service: "qecnet-agent", nodeId: cfg.nodeId, pid: process.pid });

let store: SealedStore;
try {
  store = SealedStore.open({ dataDir: cfg.dataDir, nodeId: cfg.nodeId, storeKeyHex: cfg.storeKeyHex, clock: systemClock });
} catch (e) {
  if (e instanceof StoreRefusedError) {
    log.fatal({ dataDir: cfg.dataDir }, e.message);
    console.error(e.message);
    process.exit(3);
  }
  throw e;
}

const pki = agentPkiPaths(cfg.pkiDir);
// The demo launcher's prebuilt copy of this program (server/demo/demo-agents.ts) has its version written in at build time.
declare const QECNET_AGENT_BUILD_VERSION: string | undefined;
const version = typeof QECNET_AGENT_BUILD_VERSION === "string"
  ? QECNET_AGENT_BUILD_VERSION
  : (JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version;
// The link pads (issue 18): this node's stream ends, from the channel seed and the ledgers it persisted.
const pads = loadPadStreams(cfg.dataDir, cfg.nodeId, readChannelSeed(pki.channelSeed));
const padLedgers = new PadLedgerFile(cfg.dataDir, pads);
const kmeCounts = new KmeCounts();
const link = new AgentLink({
  hubUrl: cfg.hubUrl,
  tls: { ca: readFileSync(pki.caCert), cert: readFileSync(pki.nodeCert(cfg.nodeId)), key: readFileSync(pki.nodeKey(cfg.nodeId)) },
  agentVersion: `qecnet-agent/${version}`,
  startedAt: systemClock(),
  log,
  duties: {
    nodeId: cfg.nodeId, store, faults: new AgentFaults(), allowFaults: cfg.allowFaults, log,
    pads, savePads: () => padLedgers.save(), dataDir: cfg.dataDir, now: systemClock,
  },
  kmeCounts,
  onIdentityRefused: (reason) => {
    console.error(`the hub refused this agent's identity for node ${cfg.nodeId} (close 4003: ${reason}); check --node and the certificate's CN (Agent CA); not reconnecting`);
    store.close();
    process.exit(4);
  },
});
log.info({ storeId: store.identity.storeId, heldKeys: store.size, corrupt: store.inventory().filter((r) => r.fingerprint === "corrupt").length, allowFaults: cfg.allowFaults }, "agent started");
link.start();

// The site's ETSI 014 KME (--kme host:port): applications with an SAE-CA certificate call it over mutual TLS. It asks
// the hub over the link above for every decision and serves bytes from this store only after the hub recorded the claim.
let kme: KmeListener | null = null;
if (cfg.kme) {
  const kp = kmePkiPaths(cfg.pkiDir);
  // Test-only (crash tests): pause between the hub's recorded claim and the answer; honoured only with --allow-faults.
  const holdMs = cfg.allowFaults ? Number(process.env.QECNET_AGENT_TEST_HOLD_AFTER_CLAIM_MS ?? 0) : 0;
  const hubForKme = holdMs > 0 ? holdAfterClaims(link, holdMs, log) : link;
  try {
    kme = await startKmeListener({
      host: cfg.kme.host,
      port: cfg.kme.port,
      tls: { cert: readFileSync(kp.kmeCert(cfg.nodeId)), key: readFileSync(kp.kmeKey(cfg.nodeId)), saeCa: readFileSync(kp.saeCaCert) },
      ports: siteKmePorts(cfg.nodeId, hubForKme, store),
      log: log.child({ component: "kme" }),
      onOutcome: ((report) => (record) => {
        kmeCounts.record(record);
        report(record);
      })(reportRefusals(link, (e) => log.warn({ err: e.message }, "a refusal could not be reported to the hub"))),
    });
    log.info({ kmePort: kme.port, host: cfg.kme.host }, "KME listening");
  } catch (e) {
    log.fatal({ err: (e as Error).message }, "the KME could not listen");
    console.error(`the KME could not listen on ${cfg.kme.host}:${cfg.kme.port}: ${(e as Error).message}`);
    await link.stop();
    store.close();
    process.exit(2);
  }
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  void Promise.all([link.stop(), kme?.close()]).then(() => {
    store.close();
    log.info({}, "stopped");
    process.exit(0);
  });
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
