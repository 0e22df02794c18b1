import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// Layer zones (issue 13): the import rules the architecture relies on, enforced rather than remembered.
// Two sets: the wiring and write-path zones below use core no-restricted-imports, the browser-safe
// domain, component and router zones further down use @typescript-eslint/no-restricted-imports;
// the two rules apply side by side, so neither set overrides the other.
// Each zone lists every pattern that applies to its files (a later block's no-restricted-imports
// replaces an earlier one's for the same file, so the wiring rule is repeated in each).
const WIRING = {
  regex: "(^|/)runtime/",
  message:
    "server/runtime/ is the wiring: only the app's entry points (app/, instrumentation.ts, scripts/, bench/), the tRPC layer (server/api/, whose context takes the built services) and tests import it. Take what you need as a constructor argument.",
};
const KEYS = { regex: "(^|/)keys/", message: "Keys and the mesh do not import each other: share through server/commit/ (the batch's parts) or a folder above both (server/distribution/)." };
const MESH = { regex: "(^|/)mesh/", message: "Keys and the mesh do not import each other: share through server/commit/ (the batch's parts) or a folder above both (server/distribution/)." };
const AUDIT_UP = {
  regex: "(^|/)(keys|mesh|commit)/",
  message: "server/audit/ sits below the domains and the write path: it must not import keys/, mesh/ or commit/ (take a small interface, like AuditRecorder).",
};
const TESTS_AND_HARNESS = ["**/*.test.ts", "server/testing/**"];
const zone = (files, patterns) => ({ files, ignores: TESTS_AND_HARNESS, rules: { "no-restricted-imports": ["error", { patterns }] } });

// Component folders in layers, bottom to top (farm-studio draws them so): trpc; ui, live; auth; graph (the mesh
// drawing), keys, admin, providers; audit, incidents; approvals; key-detail, mesh; wall, shell. A folder imports only
// folders below it, so no two folders import each other (the mesh page and the approvals used to, through the graph).
const componentsAbove = (folders, why) => ({
  regex: `^(?:@/components/|(?:\\.\\./)+)(?:${folders.join("|")})/`,
  message: `Components import only the folders below their own (${why}); move what both need into a lower folder (ui/, graph/, keys/).`,
});
const componentZone = (folders, above, why) =>
  ({ files: folders.map((f) => `components/${f}/**/*.{ts,tsx}`), ignores: ["**/*.test.ts"], rules: { "no-restricted-imports": ["error", { patterns: [componentsAbove(above, why)] }] } });
const COMPONENT_ZONES = [
  componentZone(["trpc", "ui", "live", "auth"], ["graph", "keys", "admin", "providers", "audit", "incidents", "approvals", "key-detail", "mesh", "wall", "shell"], "trpc, ui, live and auth are the ground floors"),
  componentZone(["graph", "keys", "admin", "providers"], ["audit", "incidents", "approvals", "key-detail", "mesh", "wall", "shell"], "the mesh drawing, keys, admin and providers use only ui, live, auth and trpc"),
  componentZone(["audit", "incidents"], ["approvals", "key-detail", "mesh", "wall", "shell"], "audit and incidents may use keys, never the pages above them"),
  componentZone(["approvals"], ["key-detail", "mesh", "wall", "shell"], "approvals draw impact with graph/, never with the mesh page"),
  componentZone(["key-detail"], ["mesh", "wall", "shell"], "the key page and the mesh page are peers"),
  componentZone(["mesh"], ["key-detail", "wall", "shell"], "the mesh page and the key page are peers"),
  componentZone(["wall"], ["mesh", "key-detail", "shell"], "the wall draws with graph/, not with the mesh page"),
];

// Layers as lint zones, second set (issue 13; house rule 12: boundaries are enforced, not remembered).
// Each zone is one `@typescript-eslint/no-restricted-imports` setting; a file in two zones gets the
// later one, so the narrower zones come last and repeat what they inherit. server/layers-lint.test.ts
// proves every zone fires.
const FROM_SERVER = "^(?:@/|(?:\\.\\./)+)server/";
const DOMAIN_ONLY = {
  regex: "^(?!\\.{1,2}/|@/server/domain/|zod$)",
  message: "server/domain/ is browser-safe: it imports only server/domain/ (relative) and zod; no node: modules, Prisma, pg or server modules.",
};
/** server/domain at `depth` folders below it: a relative import that climbs out of server/domain/. */
const domainZone = (files, depth) => ({
  files,
  ignores: ["**/*.test.ts"],
  rules: {
    "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
      DOMAIN_ONLY,
      { regex: `^(?:\\.\\./){${depth + 1}}`, message: "server/domain/ imports nothing outside server/domain/ (it runs in the browser too)." },
    ] }],
  },
});

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "generated/", ".data/", "test-results/", "playwright-report/", ".reports/", "next-env.d.ts"] },
  js.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    // One clock (server/time/clock.ts): code that decides by time reads the injected Clock, so the
    // suite passes on any date and a process never mixes two "nows". Durations use performance.now().
    files: ["server/**/*.ts", "app/api/**/*.ts"],
    ignores: [
      // Tests build their own clocks and may stamp fixtures with wall time.
      "**/*.test.ts",
      // Test harness: unique database names and child-process deadlines are wall time by intent.
      "server/testing/**",
    ],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "Read the injected clock (server/time/clock.ts), not Date.now(); for a duration use performance.now()." },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Read the injected clock (server/time/clock.ts), not new Date()." },
        { selector: "CallExpression[callee.name='Date']", message: "Read the injected clock (server/time/clock.ts), not Date()." },
      ],
    },
  },
  zone(["server/**/*.ts"], [WIRING]),
  zone(["server/keys/**/*.ts"], [WIRING, MESH]),
  zone(["server/mesh/**/*.ts"], [WIRING, KEYS]),
  zone(["server/audit/**/*.ts"], [WIRING, AUDIT_UP]),
  // The wiring itself and the tRPC layer (its context is the built services) may import server/runtime/.
  { files: ["server/runtime/**/*.ts", "server/api/**/*.ts"], rules: { "no-restricted-imports": "off" } },
  ...COMPONENT_ZONES,

  {
    // Components run in the browser: from server/ they take only the browser-safe domain and, type-only, AppRouter
    // (view types come from components/trpc/router-types.ts, inferred from the router).
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        {
          regex: `${FROM_SERVER}(?!domain/|api/root$)`,
          message: "Components import from server/ only server/domain/ (browser-safe) and the AppRouter type; take view types from components/trpc/router-types.ts.",
        },
        { regex: `${FROM_SERVER}api/root$`, allowTypeImports: true, message: "Components import only the AppRouter type from server/api/root (import type), never the router itself." },
        { regex: "^(?:@/|(?:\\.\\./)+)generated/|^@prisma/|^pg$|^node:", message: "Components run in the browser: no Prisma, pg or node: modules." },
      ] }],
    },
  },
  domainZone(["server/domain/*.ts"], 0),
  domainZone(["server/domain/*/*.ts"], 1),
  domainZone(["server/domain/*/*/*.ts"], 2),
  {
    // The lifecycle engine is pure (house rule 1): (state, event, now) -> next state and effects.
    files: ["server/domain/lifecycle/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        { regex: "^(?!\\./|\\.\\./errors/)", message: "The lifecycle engine imports only its own files and its errors (server/domain/errors/)." },
      ] }],
    },
  },
  {
    // The ETSI 014 protocol layer is pure (KEY-DELIVERY.md §4): the site, the SAE registry and the key store
    // reach it only through the ports of server/kme/etsi014/kme-ports.ts, so it is tested without mocks.
    files: ["server/kme/etsi014/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        { regex: "^(?!\\./|node:buffer$)", message: "The ETSI 014 protocol layer imports only its own files (and node:buffer for base64); the site, registry and key store come in through kme-ports.ts." },
      ] }],
    },
  },
  {
    // The KME listener is transport only (KEY-DELIVERY.md §3, §4.0): TLS, HTTP framing and logging around the
    // ETSI 014 protocol layer. What a request may do is decided there and in the ports, never here.
    files: ["server/kme/listener/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        { regex: "^(?!\\./|\\.\\./etsi014/|node:|pino$)", message: "The KME listener imports only its own files, the ETSI 014 protocol layer (../etsi014/), node: modules and pino; the registry and key store come in as Etsi014Ports." },
      ] }],
    },
  },
  {
    // The PKI layouts are read by the agent process, which must start without X.509 tooling (@peculiar/x509).
    files: ["server/**/*-pki-paths.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        { regex: "^(?!node:path$)", message: "A PKI paths module imports only node:path: the agent process reads it without loading the issuer or X.509 tooling." },
      ] }],
    },
  },
  {
    // Routers are thin (house rule 2): validate, check the role, call one service. The database lives below them.
    files: ["server/api/routers/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { patterns: [
        { regex: "(?:^|/)server/db/|^(?:\\.\\./)+db/|^@prisma/|(?:^|/)generated/prisma", message: "Routers never touch the database: put the query in a service or query module and call it." },
      ] }],
    },
  },
);
