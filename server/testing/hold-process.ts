/**
 * Parent side of the crash tests: starts a hold-*.ts child on a database,
 * waits until it prints "HOLDING" (it stopped at its hold point), and kills
 * it with SIGKILL, waiting until PostgreSQL has dropped its session.
 *
 * The child runs under Node with tsx's loader rather than the tsx CLI: the CLI
 * runs the script in a second node process, which a SIGKILL to the CLI would
 * leave running (and holding its transaction).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import pg from "pg";
import { createPrismaClient, type Db } from "../db/client";
import type { TestDatabase } from "./test-database";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface HeldProcess {
  /** The child's application_name in pg_stat_activity (to look at its session). */
  appName: string;
  /** What the child printed on stdout so far ("HOLDING\n" when it behaved). */
  stdout(): string;
  /** SIGKILLs the child and waits until its database session is gone. */
  kill(observer: pg.Client): Promise<void>;
}

export class HoldingProcesses {
  /** Running children, with the database each works on (each test kills only its own). */
  private readonly children = new Map<ChildProcess, string>();

  constructor(private readonly script: string) {}

  async runUntilHolding(url: string, masterKey: Buffer, args: string[], timeoutMs = 20_000): Promise<HeldProcess> {
    const appName = `qecnet-hold-${randomBytes(4).toString("hex")}`;
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, this.script), ...args], {
      cwd: ROOT,
      env: { ...process.env, QECNET_HOLD_DATABASE_URL: url, QECNET_HOLD_MASTER_KEY: masterKey.toString("hex"), QECNET_HOLD_MAX_MS: "30000", PGAPPNAME: appName },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.set(child, url);
    let out = "";
    let stdout = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      stdout += b.toString();
    });
    child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const exited = once(child, "exit").then(([code, signal]) => {
      this.children.delete(child);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void exited.then(() => (ended = true));
    while (!/^HOLDING$/m.test(out)) {
      if (ended || Date.now() > deadline) throw new Error(`${this.script} did not reach HOLDING:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      appName,
      stdout: () => stdout,
      async kill(observer: pg.Client) {
        if (!child.kill("SIGKILL")) throw new Error("could not SIGKILL the holding child");
        const e = await exited;
        if (e.signal !== "SIGKILL") throw new Error(`the child ended with ${JSON.stringify(e)} instead of being killed`);
        const until = Date.now() + 10_000;
        while ((await observer.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [appName])).rowCount) {
          if (Date.now() > until) throw new Error("the killed child's session is still there");
          await new Promise((r) => setTimeout(r, 25));
        }
      },
    };
  }

  /** Kills the children working on one database (a test's clean-up), or all of them. */
  killAll(url?: string): void {
    for (const [c, u] of this.children) if (url === undefined || u === url) c.kill("SIGKILL");
  }
}

/**
 * What a crash test needs beside its database: an observer connection (to see
 * what survived, and when a killed child's session is gone) and Prisma clients
 * standing for restarted processes. When the test finishes, its children are
 * killed and everything is closed, the database last.
 */
export async function crashTestSession(holders: HoldingProcesses, t: TestDatabase, onTestFinished: (fn: () => Promise<void>) => void): Promise<{ observer: pg.Client; client(): Db }> {
  const observer = new pg.Client({ connectionString: t.url });
  await observer.connect();
  const clients: Db[] = [];
  onTestFinished(async () => {
    holders.killAll(t.url);
    await Promise.all(clients.map((c) => c.$disconnect()));
    await observer.end();
    await t.dispose();
  });
  return {
    observer,
    client() {
      const db = createPrismaClient(t.url);
      clients.push(db);
      return db;
    },
  };
}
