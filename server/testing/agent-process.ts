/**
 * Spawns scripts/agent.ts as a real OS process for the `agents` tests and
 * keeps everything it prints, so a test can wait for a log line, SIGKILL or
 * SIGTERM it, and grep the whole log for key material afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

export interface AgentProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

export function spawnAgent(args: string[], env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "agent.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, QECNET_AGENT_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => { out += d.toString("utf8"); });
  child.stderr!.on("data", (d: Buffer) => { out += d.toString("utf8"); });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Agent flags for a node against a hub. */
export function agentArgs(o: { nodeId: string; hubUrl: string; dataDir: string; pkiDir: string; allowFaults?: boolean }): string[] {
  return ["--node", o.nodeId, "--hub", o.hubUrl, "--data", o.dataDir, "--pki", o.pkiDir, ...(o.allowFaults ? ["--allow-faults"] : [])];
}
