/**
 * The agent's configuration: command-line flags, each with a QECNET_AGENT_*
 * environment variable (the flag wins), validated at start. Every problem is
 * reported on its own line, saying what is expected; the store key's value is
 * never echoed. Pure: the entry point prints the problems and exits 2.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import { agentPkiPaths } from "../pki/agent-pki-paths";
import { kmePkiPaths } from "../../kme/pki/kme-pki-paths";

export interface AgentConfig {
  nodeId: string;
  hubUrl: string;
  dataDir: string;
  pkiDir: string;
  allowFaults: boolean;
  storeKeyHex: string | undefined;
  logLevel: string;
  /** Where this site's ETSI 014 KME listens (mTLS, SAE CA); null: no KME at this site. */
  kme: { host: string; port: number } | null;
}

const FLAGS = {
  "--node": "QECNET_AGENT_NODE",
  "--hub": "QECNET_AGENT_HUB",
  "--data": "QECNET_AGENT_DATA",
  "--pki": "QECNET_AGENT_PKI",
  "--allow-faults": "QECNET_AGENT_ALLOW_FAULTS",
  "--kme": "QECNET_AGENT_KME",
} as const;
type Flag = keyof typeof FLAGS;

const ZConfig = z.object({
  QECNET_AGENT_NODE: z.string({ message: "is required: the node id this agent serves (--node ep-bank)" })
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a node id: 1-64 of a-z, 0-9 and \"-\", starting with a letter or digit"),
  QECNET_AGENT_HUB: z.string({ message: "is required: the hub's agent endpoint (--hub wss://127.0.0.1:7443/agent/v1)" })
    .refine((v) => { try { const u = new URL(v); return u.protocol === "wss:" && u.hostname !== ""; } catch { return false; } },
      "must be a wss:// URL such as wss://127.0.0.1:7443/agent/v1 (the link is always TLS)"),
  QECNET_AGENT_DATA: z.string({ message: "is required: the folder of this agent's sealed store (--data .data/agents/ep-bank)" }).min(1, "must be a folder path"),
  QECNET_AGENT_PKI: z.string().min(1, "must be a folder path").default(".data/pki"),
  QECNET_AGENT_ALLOW_FAULTS: z.enum(["true", "false"], { message: "must be true or false" }).default("false"),
  QECNET_AGENT_STORE_KEY: z.string().refine((v) => /^[0-9a-fA-F]{64}$/.test(v.trim()), "must be 64 hex characters (a 256-bit key)").optional(),
  QECNET_AGENT_KME: z.string()
    .regex(/^(off|(\d{1,3}(\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:]+\]):\d{1,5})$/, "must be host:port for the site's ETSI 014 KME (e.g. 127.0.0.1:8443, port 0 = any free port), or off")
    .refine((v) => v === "off" || Number(v.slice(v.lastIndexOf(":") + 1)) <= 65535, "the port must be 0-65535")
    .default("off"),
  QECNET_AGENT_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be one of fatal, error, warn, info, debug, trace, silent" }).default("info"),
});

export type ParsedAgentConfig = { ok: true; config: AgentConfig } | { ok: false; problems: string[] };

export function parseAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedAgentConfig {
  const problems: string[] = [];
  const values: Record<string, string | undefined> = {};
  for (const name of Object.keys(ZConfig.shape)) values[name] = env[name] === "" ? undefined : env[name];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (!(flag in FLAGS)) {
      problems.push(`${arg}: unknown flag (expected ${Object.keys(FLAGS).join(", ")})`);
      continue;
    }
    if (flag === "--allow-faults") {
      values[FLAGS[flag]] = inline ?? "true";
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i++;
    if (value === undefined || value.startsWith("--")) {
      problems.push(`${flag}: needs a value`);
      if (value?.startsWith("--")) i--;
      continue;
    }
    values[FLAGS[flag as Flag]] = value;
  }
  const r = ZConfig.safeParse(values);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const name = String(issue.path[0]);
      const flag = Object.entries(FLAGS).find(([, v]) => v === name)?.[0];
      problems.push(`${flag ? `${flag} / ${name}` : name}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !r.success) return { ok: false, problems };
  const c = r.data;
  const pki = agentPkiPaths(c.QECNET_AGENT_PKI);
  for (const [what, path] of [["the Agent CA certificate", pki.caCert], ["this node's certificate", pki.nodeCert(c.QECNET_AGENT_NODE)], ["this node's private key", pki.nodeKey(c.QECNET_AGENT_NODE)], ["the QKD channel seed", pki.channelSeed]] as const) {
    if (!existsSync(path)) problems.push(`--pki / QECNET_AGENT_PKI: ${what} is missing (${path}); run npm run pki:dev or point --pki at the folder that holds it`);
  }
  const kmeAt = c.QECNET_AGENT_KME === "off" ? null : c.QECNET_AGENT_KME;
  if (kmeAt) {
    const kp = kmePkiPaths(c.QECNET_AGENT_PKI);
    for (const [what, path] of [["the SAE CA certificate", kp.saeCaCert], ["this site's KME certificate", kp.kmeCert(c.QECNET_AGENT_NODE)], ["this site's KME private key", kp.kmeKey(c.QECNET_AGENT_NODE)]] as const) {
      if (!existsSync(path)) problems.push(`--kme / QECNET_AGENT_KME: ${what} is missing (${path}); run npm run pki:dev or point --pki at the folder that holds it`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      nodeId: c.QECNET_AGENT_NODE,
      hubUrl: c.QECNET_AGENT_HUB,
      dataDir: c.QECNET_AGENT_DATA,
      pkiDir: c.QECNET_AGENT_PKI,
      allowFaults: c.QECNET_AGENT_ALLOW_FAULTS === "true",
      storeKeyHex: c.QECNET_AGENT_STORE_KEY?.trim(),
      logLevel: c.QECNET_AGENT_LOG_LEVEL,
      kme: kmeAt ? { host: kmeAt.slice(0, kmeAt.lastIndexOf(":")).replace(/^\[|\]$/g, ""), port: Number(kmeAt.slice(kmeAt.lastIndexOf(":") + 1)) } : null,
    },
  };
}
