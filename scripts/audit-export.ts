/**
 * npm run audit:export -- [--from N] [--to N] [--format jsonl|csv] [--out file]
 * Writes an audit export from DATABASE_URL's database (same content as
 * /api/audit/export), streamed to a file or stdout. Never publishes a
 * checkpoint: JSON Lines end, by default, at the newest published one
 * (docs/audit-format.md §6).
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { auditExport } from "../server/audit/export/export-service";
import { services } from "../server/runtime/services";

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (v: string | undefined) => (v === undefined ? undefined : /^[1-9][0-9]*$/.test(v) ? BigInt(v) : (console.error(`not a positive number: ${v}`), process.exit(2)));
  const format = opt("format") ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") {
    console.error("--format must be jsonl or csv");
    process.exit(2);
  }
  const { db, checkpoints } = services();
  const out = await auditExport(db, checkpoints, { from: num(opt("from")), to: num(opt("to")), format });
  const target = opt("out") ? createWriteStream(opt("out")!) : process.stdout;
  for await (const chunk of out.body) if (!target.write(chunk)) await once(target, "drain");
  if (target !== process.stdout) target.end();
  await db.$disconnect();
  if (opt("out")) console.error(`wrote ${out.filename} to ${opt("out")}`);
}

main().catch((err: unknown) => {
  console.error(`audit:export failed: ${(err as Error).message}`);
  process.exit(1);
});
