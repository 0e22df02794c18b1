import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("environment validation", () => {
  it("applies defaults", () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(3000);
    // A console is not a demo unless asked for (npm run demo sets it): demo powers really revoke keys.
    expect(e.QECNET_SEED_DEMO).toBe(false);
    expect(e.QECNET_METRICS_TOKEN).toBeUndefined();
    expect(e.QECNET_TRUSTED_PROXIES).toEqual([]);
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.dataDir).toMatch(/\.data$/);
  });

  it("reports every bad variable on its own line, without echoing the secret", () => {
    const secret = "not-a-key-but-secret-looking-value";
    let err: unknown;
    try {
      parseEnv({ DATABASE_URL: "mysql://x", PORT: "70000", QECNET_MASTER_KEY: secret, QECNET_SEED_DEMO: "yes" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const { problems, message } = err as EnvError;
    expect(problems).toHaveLength(4);
    expect(message).toMatch(/DATABASE_URL must be a PostgreSQL connection URL/);
    expect(message).toMatch(/PORT must be between 1 and 65535/);
    expect(message).toMatch(/QECNET_MASTER_KEY must be 64 hex characters or base64 of exactly 32 bytes/);
    expect(message).toMatch(/QECNET_SEED_DEMO must be true or false/);
    expect(message).not.toContain(secret);
  });

  it("validates the approval webhook: an http(s) URL, and a signing secret of at least 32 characters, never echoed", () => {
    expect(parseEnv({ QECNET_NOTIFY_WEBHOOK: "https://chat.example/hooks/qecnet" }).QECNET_NOTIFY_WEBHOOK).toBe("https://chat.example/hooks/qecnet");
    expect(parseEnv({}).QECNET_NOTIFY_WEBHOOK).toBeUndefined();
    const secret = "short-secret";
    const err = (() => {
      try {
        parseEnv({ QECNET_NOTIFY_WEBHOOK: "ftp://files.example/x", QECNET_NOTIFY_WEBHOOK_SECRET: secret });
      } catch (e) {
        return e as EnvError;
      }
      return null;
    })();
    expect(err?.problems).toEqual([
      "QECNET_NOTIFY_WEBHOOK must be an http:// or https:// URL that accepts a JSON POST",
      "QECNET_NOTIFY_WEBHOOK_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)",
    ]);
    expect(err?.message).not.toContain(secret);
  });

  it("accepts a hex or base64 master key and treats empty values as unset", () => {
    expect(parseEnv({ QECNET_MASTER_KEY: "ab".repeat(32) }).QECNET_MASTER_KEY).toBe("ab".repeat(32));
    expect(parseEnv({ QECNET_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") }).QECNET_MASTER_KEY).toBeDefined();
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("validates the metrics token and the trusted proxies, without echoing the token", () => {
    expect(parseEnv({ QECNET_METRICS_TOKEN: "t".repeat(32), QECNET_TRUSTED_PROXIES: "10.0.0.5, ::1" })).toMatchObject({ QECNET_METRICS_TOKEN: "t".repeat(32), QECNET_TRUSTED_PROXIES: ["10.0.0.5", "::1"] });
    expect(() => parseEnv({ QECNET_METRICS_TOKEN: "short secret" })).toThrow(/QECNET_METRICS_TOKEN must be 32 to 256 printable characters/);
    expect(() => parseEnv({ QECNET_METRICS_TOKEN: "short secret" })).not.toThrow(/short secret/);
    expect(() => parseEnv({ QECNET_TRUSTED_PROXIES: "10.0.0.5,proxy.example" })).toThrow(/QECNET_TRUSTED_PROXIES must be a comma-separated list of IP addresses/);
  });

  it("validates the agent settings: in-process by default, port 7443, each bad one named", () => {
    const d = parseEnv({});
    expect([d.QECNET_AGENTS, d.QECNET_AGENT_PORT, d.QECNET_AGENT_HOST, d.QECNET_AGENT_HEARTBEAT_MS, d.QECNET_AGENT_MISSED_LIMIT]).toEqual(["in-process", 7443, "127.0.0.1", 1000, 3]);
    expect(parseEnv({ QECNET_AGENTS: "process", QECNET_AGENT_PORT: "7500" })).toMatchObject({ QECNET_AGENTS: "process", QECNET_AGENT_PORT: 7500 });
    expect(() => parseEnv({ QECNET_AGENTS: "remote", QECNET_AGENT_PORT: "0", QECNET_AGENT_HOST: "hub.example", QECNET_AGENT_MISSED_LIMIT: "0" })).toThrow(EnvError);
    try {
      parseEnv({ QECNET_AGENTS: "remote", QECNET_AGENT_PORT: "0", QECNET_AGENT_HOST: "hub.example", QECNET_AGENT_MISSED_LIMIT: "0" });
    } catch (e) {
      expect((e as EnvError).problems).toEqual([
        "QECNET_AGENTS must be in-process or process",
        "QECNET_AGENT_PORT must be between 1 and 65535",
        "QECNET_AGENT_HOST must be an IP address, e.g. 127.0.0.1 or 0.0.0.0",
        "QECNET_AGENT_MISSED_LIMIT must be between 1 and 100",
      ]);
    }
  });
});
