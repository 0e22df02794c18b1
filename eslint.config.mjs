import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

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
);
