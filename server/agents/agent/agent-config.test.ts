/**
 * The agent's configuration: flags win over QECNET_AGENT_* variables, every
 * problem gets its own line, missing PKI files are named, the store key is
 * never echoed; and the reconnect backoff stays within 0.2 s → 5 s.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { issueKmePki } from "../../kme/pki/kme-pki";
import { issueAgentPki } from "../pki/agent-pki";
import { parseAgentConfig } from "./agent-config";
import { backoffMs } from "./agent-link";

let pki: string;
beforeAll(async () => {
  pki = mkdtempSync(join(tmpdir(), "qecnet-pki-"));
  await issueAgentPki(pki, ["ep-bank"]);
});

describe("parseAgentConfig", () => {
  it("takes flags over environment variables, with = or a separate value", () => {
    const r = parseAgentConfig(["--node=ep-bank", "--hub", "wss://127.0.0.1:7443/agent/v1", "--allow-faults"], {
      QECNET_AGENT_NODE: "ep-stock", QECNET_AGENT_DATA: "/tmp/x", QECNET_AGENT_PKI: pki,
    });
    expect(r).toEqual({ ok: true, config: { nodeId: "ep-bank", hubUrl: "wss://127.0.0.1:7443/agent/v1", dataDir: "/tmp/x", pkiDir: pki, allowFaults: true, storeKeyHex: undefined, logLevel: "info", kme: null } });
  });

  it("opens the site's KME where --kme says, once its certificate and the SAE CA are there", async () => {
    const base = ["--node", "ep-bank", "--hub", "wss://127.0.0.1:7443/agent/v1", "--data", "/tmp/x", "--pki", pki];
    const missing = parseAgentConfig([...base, "--kme", "127.0.0.1:8443"], {});
    expect(missing.ok ? [] : missing.problems).toEqual([
      expect.stringContaining("the SAE CA certificate is missing"),
      expect.stringContaining("this site's KME certificate is missing"),
      expect.stringContaining("this site's KME private key is missing"),
    ]);
    await issueKmePki(pki, { nodeIds: ["ep-bank"], saeIds: [] });
    expect(parseAgentConfig([...base, "--kme", "127.0.0.1:8443"], {})).toMatchObject({ ok: true, config: { kme: { host: "127.0.0.1", port: 8443 } } });
    expect(parseAgentConfig([...base, "--kme=localhost:0"], {})).toMatchObject({ ok: true, config: { kme: { host: "localhost", port: 0 } } });
    expect(parseAgentConfig(base, { QECNET_AGENT_KME: "off" })).toMatchObject({ ok: true, config: { kme: null } });
    for (const bad of ["8443", "127.0.0.1:99999", "example.org:443", "127.0.0.1:"]) {
      const r = parseAgentConfig([...base, "--kme", bad], {});
      expect(r.ok ? [] : r.problems, bad).toEqual([expect.stringMatching(/^--kme \/ QECNET_AGENT_KME: /)]);
    }
  });

  it("reports every problem on its own line and never echoes the store key", () => {
    const secret = "zz".repeat(32);
    const r = parseAgentConfig(["--hub", "ws://plain/agent", "--data"], { QECNET_AGENT_STORE_KEY: secret, QECNET_AGENT_ALLOW_FAULTS: "yes" });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toEqual([
      "--data: needs a value",
      expect.stringMatching(/^--node \/ QECNET_AGENT_NODE: is required/),
      expect.stringMatching(/^--hub \/ QECNET_AGENT_HUB: must be a wss:\/\//),
      expect.stringMatching(/^--data \/ QECNET_AGENT_DATA: is required/),
      "--allow-faults / QECNET_AGENT_ALLOW_FAULTS: must be true or false",
      "QECNET_AGENT_STORE_KEY: must be 64 hex characters (a 256-bit key)",
    ]);
    expect(problems.join("\n")).not.toContain(secret);
  });

  it("names the certificate files a node lacks", () => {
    const r = parseAgentConfig(["--node", "ep-grid", "--hub", "wss://127.0.0.1:7443/agent/v1", "--data", "/tmp/x", "--pki", pki], {});
    expect(r.ok ? [] : r.problems).toEqual([
      expect.stringContaining("this node's certificate is missing"),
      expect.stringContaining("this node's private key is missing"),
    ]);
  });
});

describe("backoffMs", () => {
  it("starts at 0.2 s, doubles, adds up to as much again at random, and never waits more than 5 s", () => {
    expect(backoffMs(0, () => 0)).toBe(200);
    expect(backoffMs(0, () => 0.999_999)).toBe(400);
    expect(backoffMs(3, () => 0)).toBe(1_600);
    expect(backoffMs(3, () => 0.5)).toBe(2_400);
    expect(backoffMs(4, () => 0.999_999)).toBe(5_000);
    expect(backoffMs(50, () => 0)).toBe(5_000);
  });
});
