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

/** Waits (polling every 50 ms) until `check` holds, then asserts it, so a time-out fails with the check's own result. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  for (let i = 0; i < ms / 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await check())) throw new Error(`the condition did not hold within ${ms} ms`);
}

/**
 * Spawns agents for a hub listening on 127.0.0.1:`port()` with the PKI and data folders under `dir`, keeping each
 * process so a test's afterAll can kill them all. `port` is read at each start (the listener binds in beforeAll).
 */
export function agentStarter(opts: { port: () => number; dir: () => string; allowFaults?: boolean; hubPath: string }) {
  const procs: AgentProcess[] = [];
  const start = (nodeId: string): AgentProcess => {
    const dir = opts.dir();
    const p = spawnAgent(agentArgs({ nodeId, hubUrl: `wss://127.0.0.1:${opts.port()}${opts.hubPath}`, dataDir: join(dir, nodeId), pkiDir: join(dir, "pki"), allowFaults: opts.allowFaults }));
    procs.push(p);
    return p;
  };
  return { start, procs, killAll: () => procs.forEach((p) => p.child.kill("SIGKILL")) };
}
