/**
 * The demo's node agents as processes (QECNET_AGENTS=process, KEY-DELIVERY.md
 * §6.7): the dev Agent PKI is issued first (`scripts/pki-dev.ts`, kept when it
 * exists), then one agent process per site (`scripts/agent.ts`) dials the
 * console's agent port with its own sealed store under <data>/agents/<node>.
 * They run as children of the launcher, with --allow-faults (the demo's fault
 * powers), each logging to <data>/agents/<node>.log, and stop with it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";

export interface DemoAgentsOptions {
  root: string;
  tsxBin: string;
  dataDir: string;
  /** The console's agent port (QECNET_AGENT_PORT). */
  hubPort: number;
  nodeIds: readonly string[];
}

/** Writes the dev Agent PKI under <data>/pki (idempotent); throws with the script's reason when it fails. */
export function issueDemoPki(o: DemoAgentsOptions): string {
  const dir = path.join(o.dataDir, "pki");
  const script = path.join(o.root, "scripts", "pki-dev.ts");
  if (!existsSync(script)) throw new Error(`agents as processes need the dev PKI script ${script} (npm run pki:dev)`);
  const r = spawnSync(o.tsxBin, [script, "--dir", dir], { cwd: o.root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run pki:dev failed (exit ${r.status ?? r.signal})`);
  return dir;
}

/** Starts one agent per node; `stop` sends SIGTERM to each and waits (SIGKILL after 5 s). */
export function startDemoAgents(o: DemoAgentsOptions): { children: Map<string, ChildProcess>; stop(): Promise<void> } {
  const script = path.join(o.root, "scripts", "agent.ts");
  if (!existsSync(script)) throw new Error(`agents as processes need the agent program ${script} (npm run agent)`);
  const pki = path.join(o.dataDir, "pki");
  const children = new Map<string, ChildProcess>();
  for (const nodeId of o.nodeIds) {
    const data = path.join(o.dataDir, "agents", nodeId);
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const log = openSync(path.join(o.dataDir, "agents", `${nodeId}.log`), "a");
    // Not through npx: the signal must reach the agent itself.
    const child = spawn(o.tsxBin, [script, "--node", nodeId, "--hub", `wss://127.0.0.1:${o.hubPort}/agent/v1`, "--data", data, "--pki", pki, "--allow-faults"], {
      cwd: o.root,
      stdio: ["ignore", log, log],
    });
    children.set(nodeId, child);
  }
  return {
    children,
    stop: () =>
      Promise.all(
        [...children.values()].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const hard = setTimeout(() => c.kill("SIGKILL"), 5_000);
              c.once("exit", () => {
                clearTimeout(hard);
                resolve();
              });
              c.kill("SIGTERM");
            }),
        ),
      ).then(() => undefined),
  };
}
