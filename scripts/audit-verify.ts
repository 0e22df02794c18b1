/**
 * npm run audit:verify -- <export.jsonl | -> [--checkpoint <file>]... [--pubkey <key | key file>]
 * npm run audit:verify -- --checkpoints-only --checkpoint <file> --pubkey <key>
 *
 * Verifies an audit export offline: no server, no database. Prints OK with
 * what was checked, or FAILED with the kind, where (line, entry) and expected
 * vs actual, one block per failure (every break found, not only the first).
 * Exit codes: 0 verified, 1 verification failed, 2 bad usage.
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseCheckpointFile, verifyCheckpointsOnly, verifyExport, VerifyUsageError, type ExportReport, type SourcedCheckpoint } from "../server/audit/offline/verify-export";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run audit:verify -- <export.jsonl | -> [--checkpoint <file>]... [--pubkey <base64 | hex | PEM file>]\n       npm run audit:verify -- --checkpoints-only --checkpoint <file> --pubkey <key>`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const out = { exportPath: null as string | null, checkpoints: [] as string[], pubkey: undefined as string | undefined, checkpointsOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--checkpoint") out.checkpoints.push(argv[++i] ?? usage("--checkpoint needs a file"));
    else if (a === "--pubkey") out.pubkey = argv[++i] ?? usage("--pubkey needs a key or a file");
    else if (a === "--checkpoints-only") out.checkpointsOnly = true;
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (out.exportPath === null) out.exportPath = a;
    else usage(`unexpected argument ${a}`);
  }
  return out;
}

function print(report: ExportReport, what: string): number {
  for (const w of report.warnings) console.log(`WARNING: ${w}`);
  if (report.ok) {
    const range = report.from !== null ? `entries #${report.from}–#${report.to} (${report.entries}), hash chain intact, ` : "";
    console.log(
      `OK ${what}: ${range}${report.checkpoints} checkpoint(s) signed by key ${report.keyId}${report.keyPinned ? " (pinned)" : " (NOT pinned)"}, ` +
        `${report.rootsRecomputed} root(s) recomputed from the entries, ${report.consistencyProofsVerified} consistency proof(s) verified`,
    );
    return 0;
  }
  const all = report.failures.length ? report.failures : [report.failure!];
  for (const f of all) {
    console.log(`FAILED ${what}: ${f.kind}${f.where ? ` at ${f.where}` : ""}${f.seq !== null ? ` (entry #${f.seq})` : ""}`);
    console.log(`  ${f.message}`);
    console.log(`  expected: ${f.expected}`);
    console.log(`  actual:   ${f.actual}`);
  }
  if (all.length > 1) console.log(`  ${all.length} failures found`);
  console.log(`  (${report.entries} entries read)`);
  return 1;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let pubkey = args.pubkey;
  if (pubkey && existsSync(pubkey)) pubkey = readFileSync(pubkey, "utf8");
  const checkpoints: SourcedCheckpoint[] = [];
  for (const file of args.checkpoints) {
    if (!existsSync(file)) usage(`checkpoint file ${file} does not exist`);
    checkpoints.push(...parseCheckpointFile(readFileSync(file, "utf8"), file));
  }
  if (args.checkpointsOnly) {
    if (!pubkey) usage("--checkpoints-only needs --pubkey");
    process.exit(print(await verifyCheckpointsOnly(pubkey, checkpoints), `${checkpoints.length} checkpoint(s)`));
  }
  if (!args.exportPath) usage("missing the export file");
  if (args.exportPath !== "-" && !existsSync(args.exportPath)) usage(`export file ${args.exportPath} does not exist`);
  const input = args.exportPath === "-" ? process.stdin : createReadStream(args.exportPath);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const started = performance.now();
  const report = await verifyExport(lines, { publicKey: pubkey, checkpoints });
  const seconds = (performance.now() - started) / 1000;
  const code = print(report, args.exportPath);
  if (report.entries > 0) console.log(`  ${report.entries} entries in ${seconds.toFixed(2)} s (${Math.round(report.entries / seconds)} entries/s)`);
  process.exit(code);
}

main().catch((err: unknown) => {
  if (err instanceof VerifyUsageError) usage(err.message);
  if (err && typeof err === "object" && "failure" in err) {
    const f = (err as { failure: { kind: string; where: string; message: string } }).failure;
    console.log(`FAILED: ${f.kind} at ${f.where}\n  ${f.message}`);
    process.exit(1);
  }
  console.error(`audit:verify could not run: ${(err as Error).message}`);
  process.exit(2);
});
