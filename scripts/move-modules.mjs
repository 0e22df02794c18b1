// Moves modules with `git mv` and rewrites every import of them (idempotent: re-run it after a merge to fix new importers).
//
// Usage: node scripts/move-modules.mjs old=new [old=new ...]
//   Each pair is a file (extension optional) or a folder, relative to the repository root:
//   node scripts/move-modules.mjs server/lifecycle=server/domain/lifecycle server/auth/csrf.ts=server/domain/access/csrf.ts
// Every tracked or new .ts/.tsx/.mjs/.js file is read; each import specifier that is relative or
// starts with "@/" is resolved from where the file was before the move, mapped through the pairs,
// and written back in the same style (relative stays relative, "@/" stays "@/"). Files already at
// their new place and imports already pointing there are left as they are, so a second run changes
// only what a merge brought in.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
const stripExt = (p) => p.replace(/\.(ts|tsx|mjs|js)$/, "");

const pairs = process.argv.slice(2).map((arg) => {
  const [from, to] = arg.split("=");
  if (!from || !to) throw new Error(`expected old=new, got "${arg}"`);
  return { from: stripExt(path.posix.normalize(from)), to: stripExt(path.posix.normalize(to)) };
});
if (pairs.length === 0) {
  console.error("usage: node scripts/move-modules.mjs old=new [old=new ...]");
  process.exit(2);
}

/** Where a repository path (without extension) lives after the move. */
function mapped(p) {
  for (const { from, to } of pairs) {
    if (p === from) return to;
    if (p.startsWith(`${from}/`)) return to + p.slice(from.length);
  }
  return p;
}

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => /\.(ts|tsx|mjs|js)$/.test(f) && !f.startsWith("node_modules/") && existsSync(path.join(root, f)));

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.(?:mock|importActual)\(\s*|\brequire\(\s*)(["'])([^"'\n]+)\2/g;

function rewrite(text, oldFile, newFile) {
  return text.replace(SPECIFIER, (whole, lead, quote, spec) => {
    let target;
    if (spec.startsWith("@/")) target = spec.slice(2);
    else if (spec.startsWith("./") || spec.startsWith("../")) target = path.posix.join(path.posix.dirname(oldFile), spec);
    else return whole;
    const ext = /\.(ts|tsx|mjs|js)$/.exec(target)?.[0] ?? "";
    const moved = mapped(stripExt(target)) + ext;
    let next;
    if (spec.startsWith("@/")) next = `@/${moved}`;
    else {
      next = path.posix.relative(path.posix.dirname(newFile), moved);
      if (!next.startsWith(".")) next = `./${next}`;
    }
    return next === spec ? whole : `${lead}${quote}${next}${quote}`;
  });
}

let movedCount = 0;
let rewrittenCount = 0;
for (const file of files) {
  const ext = path.extname(file);
  const newFile = mapped(stripExt(file)) + ext;
  const text = readFileSync(path.join(root, file), "utf8");
  const next = rewrite(text, file, newFile);
  if (newFile !== file) {
    mkdirSync(path.dirname(path.join(root, newFile)), { recursive: true });
    execFileSync("git", ["mv", file, newFile], { cwd: root });
    movedCount++;
  }
  if (next !== text) {
    writeFileSync(path.join(root, newFile), next);
    rewrittenCount++;
  }
}
// Non-code files (docs, package.json, configs) that still name an old path are listed, not edited.
console.log(`moved ${movedCount} files, rewrote imports in ${rewrittenCount}`);
