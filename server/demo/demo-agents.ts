/**
 * The demo's node agents as processes (QECNET_AGENTS=process, the default of
 * `npm run demo`; KEY-DELIVERY.md §6.7): the dev PKIs are issued first (the
 * Agent CA, and the KME and SAE CAs of the sites' KMEs and the demo SAEs; kept
 * when they exist, like `npm run pki:dev`), then one agent process per
 * node (`scripts/agent.ts`, run by node itself with the tsx loader, so the PID
 * is the agent's own) dials the console's agent port with its own sealed store
 * under <data>/agents/<node>. They run as children of the launcher, with
 * --allow-faults (the demo's fault powers), each logging to
 * <data>/agents/<node>.log and writing its PID to <data>/agents/<node>.pid
 * while it runs (what an operator or a browser test `kill -9`s), and stop
 * with it. `agentCommand` is the command line that starts one again.
 * `prepareAgentProgram` compiles scripts/agent.ts once into one ES module
 * (esbuild, a declared dev dependency, the same copy tsx uses; packages stay external) under
 * node_modules/.cache/qecnet-agent/: 23 agents then start on plain node in
 * about a third of the CPU the tsx loader takes each. Where esbuild cannot be
 * loaded, agents run under tsx as before.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { issueAgentPki } from "../agents/pki/agent-pki";
import { issueKmePki } from "../kme/pki/kme-pki";
import { DEMO_SAES } from "./demo-saes";
import { DEMO_NODES } from "./demo-topology";

export interface DemoAgentsOptions {
  root: string;
  dataDir: string;
  /** The console's agent port (QECNET_AGENT_PORT). */
  hubPort: number;
  nodeIds: readonly string[];
  /** Extra environment for the agents (e.g. QECNET_AGENT_LOG_LEVEL). */
  env?: Record<string, string>;
  /** The compiled agent program (prepareAgentProgram); without it, agents run scripts/agent.ts under tsx. */
  program?: string | null;
  /** The sites that run an ETSI 014 KME, with its port (demoKmePorts); the others run none. */
  kmePorts?: ReadonlyMap<string, number>;
}

/** Writes the dev Agent, KME and SAE PKIs for every demo node and demo SAE under <data>/pki (idempotent); returns the folder. */
export async function issueDemoPki(dataDir: string): Promise<string> {
  const dir = path.join(dataDir, "pki");
  const nodeIds = DEMO_NODES.map((n) => n.id);
  await issueAgentPki(dir, nodeIds);
  await issueKmePki(dir, { nodeIds, saeIds: DEMO_SAES.map((s) => s.saeId) });
  return dir;
}

/** Where a node's agent keeps its store, log and PID file. */
export function demoAgentPaths(dataDir: string, nodeId: string): { data: string; log: string; pid: string } {
  const dir = path.join(dataDir, "agents");
  return { data: path.join(dir, nodeId), log: path.join(dir, `${nodeId}.log`), pid: path.join(dir, `${nodeId}.pid`) };
}

/** Where prepareAgentProgram writes the compiled agent (inside node_modules, so its packages resolve). */
export function agentProgramPath(root: string): string {
  return path.join(root, "node_modules", ".cache", "qecnet-agent", "agent.mjs");
}

/**
 * Compiles scripts/agent.ts into one ES module for plain node (its npm packages stay external); returns its path, or
 * null when esbuild is not available (the agents then run under tsx). Fast (well under a second); run at each start,
 * so the program is never older than its sources.
 */
export async function prepareAgentProgram(root: string): Promise<string | null> {
  const out = agentProgramPath(root);
  try {
    const esbuild = await import("esbuild");
    const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    await esbuild.build({
      entryPoints: [path.join(root, "scripts", "agent.ts")], outfile: out, bundle: true, platform: "node", format: "esm",
      packages: "external", target: "node20", logLevel: "silent", define: { QECNET_AGENT_BUILD_VERSION: JSON.stringify(version) },
    });
    return out;
  } catch {
    rmSync(out, { force: true });
    return null;
  }
}

/** The command (program and arguments) that runs one node's agent of this demo: the compiled program if given, else tsx. */
export function agentCommand(o: Pick<DemoAgentsOptions, "root" | "dataDir" | "hubPort" | "program" | "kmePorts">, nodeId: string): { command: string; args: string[] } {
  const script = path.join(o.root, "scripts", "agent.ts");
  if (!existsSync(script)) throw new Error(`agents as processes need the agent program ${script} (npm run agent)`);
  return {
    command: process.execPath,
    args: [...(o.program ? [o.program] : ["--import", "tsx", script]), "--node", nodeId, "--hub", `wss://127.0.0.1:${o.hubPort}/agent/v1`, "--data", demoAgentPaths(o.dataDir, nodeId).data, "--pki", path.join(o.dataDir, "pki"), "--allow-faults", ...(o.kmePorts?.has(nodeId) ? ["--kme", `127.0.0.1:${o.kmePorts.get(nodeId)}`] : [])],
  };
}

/** Starts one node's agent, logging to its log file and writing its PID file until it exits. */
export function startDemoAgent(o: DemoAgentsOptions, nodeId: string): ChildProcess {
  const p = demoAgentPaths(o.dataDir, nodeId);
  mkdirSync(p.data, { recursive: true, mode: 0o700 });
  const log = openSync(p.log, "a");
  const { command, args } = agentCommand(o, nodeId);
  const child = spawn(command, args, { cwd: o.root, stdio: ["ignore", log, log], env: { ...process.env, ...o.env } });
  if (child.pid) writeFileSync(p.pid, `${child.pid}\n`);
  child.once("exit", () => rmSync(p.pid, { force: true }));
  return child;
}

/** Starts one agent per node; `stop` sends SIGTERM to each and waits (SIGKILL after 5 s). */
export function startDemoAgents(o: DemoAgentsOptions): { children: Map<string, ChildProcess>; stop(): Promise<void> } {
  const children = new Map<string, ChildProcess>();
  for (const nodeId of o.nodeIds) children.set(nodeId, startDemoAgent(o, nodeId));
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
