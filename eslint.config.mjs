import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// Layer zones (issue 13): the import rules the architecture relies on, enforced rather than remembered.
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

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "generated/", ".data/", "test-results/", "playwright-report/", "next-env.d.ts"] },
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
);
