/** Reading PostgreSQL's EXPLAIN (FORMAT JSON) output in tests that hold a statement's plan. */

type PlanNode = Record<string, unknown>;

function walk(plan: unknown, visit: (p: PlanNode) => void): void {
  const go = (p: PlanNode) => {
    visit(p);
    for (const child of (p.Plans as PlanNode[] | undefined) ?? []) go(child);
  };
  go((plan as Array<{ Plan: PlanNode }>)[0]!.Plan);
}

/** The relations a plan reads and how: "Seq Scan" or "Index Scan" (bitmap and index-only scans count as index). */
export function scansOf(plan: unknown): Array<{ node: string; relation: string }> {
  const out: Array<{ node: string; relation: string }> = [];
  walk(plan, (p) => {
    const type = String(p["Node Type"]);
    if (typeof p["Relation Name"] === "string" && /Scan/.test(type)) out.push({ node: /Seq/.test(type) ? "Seq Scan" : "Index Scan", relation: p["Relation Name"] });
  });
  return out;
}

/** The indexes a plan uses, by name, in plan order. */
export function indexesOf(plan: unknown): string[] {
  const out: string[] = [];
  walk(plan, (p) => {
    if (typeof p["Index Name"] === "string") out.push(p["Index Name"]);
  });
  return out;
}
