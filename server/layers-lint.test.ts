/**
 * The layers are enforced, not remembered: each ESLint import zone in
 * eslint.config.mjs refuses a new import that runs against the layers, and lets
 * the allowed ones through (snippets linted through ESLint's API as if they were
 * files at the given paths).
 */
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const eslint = new ESLint({ cwd: root });
const RULE = "@typescript-eslint/no-restricted-imports";

async function importViolations(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

type Case = [importLine: string, file: string, refusal: RegExp | null];

async function check([line, file, refusal]: Case): Promise<void> {
  const found = await importViolations(`${line}\nexport const used = [x];\n`, file);
  if (refusal === null) expect(found, `${file}: ${line}`).toEqual([]);
  else {
    expect(found, `${file}: ${line}`).toHaveLength(1);
    expect(found[0]).toMatch(refusal);
  }
}

describe("lint: layers", () => {
  it.each<Case>([
    ['import { KeyService as x } from "@/server/keys/key-service";', "components/keys/new-panel.tsx", /only server\/domain\//],
    ['import { prisma as x } from "../../server/db/client";', "components/keys/new-panel.tsx", /only server\/domain\//],
    ['import { appRouter as x } from "@/server/api/root";', "components/keys/new-panel.tsx", /only the AppRouter type/],
    ['import { PrismaClient as x } from "@prisma/client";', "components/keys/new-panel.tsx", /no Prisma, pg or node:/],
    ['import { readFileSync as x } from "node:fs";', "components/keys/new-panel.tsx", /no Prisma, pg or node:/],
    ['import type { AppRouter as x } from "@/server/api/root";', "components/keys/new-panel.tsx", null],
    ['import { KEY_STATES as x } from "@/server/domain/lifecycle/key-states";', "components/keys/new-panel.tsx", null],
    ['import type { MeshLinkView as x } from "@/components/trpc/router-types";', "components/keys/new-panel.tsx", null],
  ])("components: %s", async (...c) => check(c), 30_000);

  // Component folders in layers (core no-restricted-imports, beside the rule above): a folder imports only those below.
  it.each<Case>([
    ['import { MeshView as x } from "@/components/mesh/mesh-view";', "components/approvals/new-card.tsx", /only the folders below their own/],
    ['import { RequestForm as x } from "../key-detail/key-actions";', "components/mesh/actions/new-action.tsx", /only the folders below their own/],
    ['import { WallView as x } from "../wall/wall-view";', "components/keys/new-chart.tsx", /only the folders below their own/],
    ['import { KeyRow as x } from "../keys/key-row";', "components/ui/new-cell.tsx", /only the folders below their own/],
    ['import { MeshGraph as x } from "@/components/mesh/mesh-view";', "components/wall/new-overlay.tsx", /only the folders below their own/],
    ['import { AuditRow as x } from "../audit/audit-row";', "components/keys/new-chart.tsx", /only the folders below their own/],
    ['import { MeshGraph as x } from "@/components/graph/mesh-graph";', "components/approvals/new-card.tsx", null],
    ['import { RequestForm as x } from "../../approvals/request-approval";', "components/mesh/actions/new-action.tsx", null],
    ['import { StateBadge as x } from "../keys/state-badge";', "components/audit/new-row.tsx", null],
    ['import { Panel as x } from "../ui/panel";', "components/keys/new-chart.tsx", null],
    ['import { LinkFacts as x } from "../panel/link-facts";', "components/mesh/actions/new-action.tsx", null],
  ])("component folders: %s", async (line, file, refusal) => {
    const [result] = await eslint.lintText(`${line}\nexport const used = [x];\n`, { filePath: path.join(root, file) });
    const found = (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
    if (refusal === null) expect(found, `${file}: ${line}`).toEqual([]);
    else {
      expect(found, `${file}: ${line}`).toHaveLength(1);
      expect(found[0]).toMatch(refusal);
    }
  }, 30_000);

  it.each<Case>([
    ['import x from "node:crypto";', "server/domain/mesh/new-model.ts", /browser-safe/],
    ['import x from "pg";', "server/domain/mesh/new-model.ts", /browser-safe/],
    ['import type { Prisma as x } from "../../../generated/prisma/client";', "server/domain/mesh/new-model.ts", /nothing outside server\/domain/],
    ['import { poolOf as x } from "../../db/client";', "server/domain/mesh/new-model.ts", /nothing outside server\/domain/],
    ['import { KeyService as x } from "@/server/keys/key-service";', "server/domain/mesh/new-model.ts", /browser-safe/],
    ['import { toHex as x } from "../../../audit/merkle/node-hasher";', "server/domain/audit/merkle/new-proof.ts", /nothing outside server\/domain/],
    ['import { z as x } from "zod";', "server/domain/mesh/new-model.ts", null],
    ['import { Prng as x } from "./prng";', "server/domain/mesh/new-model.ts", null],
    ['import { canonicalJson as x } from "../canonical-json";', "server/domain/audit/merkle/new-proof.ts", null],
  ])("server/domain: %s", async (...c) => check(c), 30_000);

  it.each<Case>([
    ['import { z as x } from "zod";', "server/domain/lifecycle/new-guard.ts", /lifecycle engine imports only/],
    ['import { ROLES as x } from "../access/roles";', "server/domain/lifecycle/new-guard.ts", /lifecycle engine imports only/],
    ['import { DomainError as x } from "../errors/domain-error";', "server/domain/lifecycle/new-guard.ts", null],
    ['import { KEY_STATES as x } from "./key-states";', "server/domain/lifecycle/new-guard.ts", null],
  ])("lifecycle engine: %s", async (...c) => check(c), 30_000);

  it.each<Case>([
    ['import { prisma as x } from "@/server/db/client";', "server/kme/etsi014/new-check.ts", /ETSI 014 protocol layer imports only/],
    ['import { readFileSync as x } from "node:fs";', "server/kme/etsi014/new-check.ts", /ETSI 014 protocol layer imports only/],
    ['import { systemClock as x } from "../../time/clock";', "server/kme/etsi014/new-check.ts", /ETSI 014 protocol layer imports only/],
    ['import type { KeyPool as x } from "./kme-ports";', "server/kme/etsi014/new-check.ts", null],
    ['import { Buffer as x } from "node:buffer";', "server/kme/etsi014/new-check.ts", null],
  ])("ETSI 014 protocol layer: %s", async (...c) => check(c), 30_000);

  it.each<Case>([
    ['import { prisma as x } from "@/server/db/client";', "server/kme/listener/new-part.ts", /KME listener imports only/],
    ['import { agentPkiPaths as x } from "../../agents/pki/agent-pki-paths";', "server/kme/listener/new-part.ts", /KME listener imports only/],
    ['import { systemClock as x } from "../../time/clock";', "server/kme/listener/new-part.ts", /KME listener imports only/],
    ['import { handleEtsi014Request as x } from "../etsi014/etsi014-kme";', "server/kme/listener/new-part.ts", null],
    ['import { createServer as x } from "node:https";', "server/kme/listener/new-part.ts", null],
    ['import type { Logger as x } from "pino";', "server/kme/listener/new-part.ts", null],
    ['import { readBoundedBody as x } from "./bounded-body";', "server/kme/listener/new-part.ts", null],
  ])("KME listener: %s", async (...c) => check(c), 30_000);

  it.each<Case>([
    ['import * as x from "@peculiar/x509";', "server/kme/pki/kme-pki-paths.ts", /PKI paths module imports only node:path/],
    ['import { issueLeafFiles as x } from "../../pki/dev-ca";', "server/agents/pki/agent-pki-paths.ts", /PKI paths module imports only node:path/],
    ['import { join as x } from "node:path";', "server/kme/pki/kme-pki-paths.ts", null],
    ['import * as x from "@peculiar/x509";', "server/kme/pki/kme-pki.ts", null],
  ])("PKI paths: %s", async (...c) => check(c), 30_000);

  it.each<Case>([
    ['import { prisma as x } from "../../db/client";', "server/api/routers/new-router.ts", /never touch the database/],
    ['import { prisma as x } from "@/server/db/client";', "server/api/routers/new-router.ts", /never touch the database/],
    ['import type { Prisma as x } from "../../../generated/prisma/client";', "server/api/routers/new-router.ts", /never touch the database/],
    ['import { PrismaClient as x } from "@prisma/client";', "server/api/routers/new-router.ts", /never touch the database/],
    ['import { listNodes as x } from "../../mesh/mesh-queries";', "server/api/routers/new-router.ts", null],
  ])("routers: %s", async (...c) => check(c), 30_000);
});
