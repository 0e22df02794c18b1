import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    // Refused calls are logged at "warn" by design; tests make hundreds of them on purpose.
    env: { QECNET_LOG_LEVEL: process.env.QECNET_LOG_LEVEL ?? "error" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["server/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.agents.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["server/**/*.int.test.ts", "test/**/*.int.test.ts"],
          globalSetup: ["server/testing/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration files each own a database; two at a time suits 2 cores.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          // Real agent processes (scripts/agent.ts) against a test hub over mTLS on loopback; under 3 minutes.
          name: "agents",
          sequence: { groupOrder: 2 },
          include: ["server/**/*.agents.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
