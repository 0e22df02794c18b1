/**
 * The dev Agent PKI: node certificates chain to the Agent CA with CN = node id
 * and clientAuth, the hub certificate names 127.0.0.1 and localhost, keys are
 * 0600, a second run keeps every file, and another PKI's CA does not verify them.
 */
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentPkiPaths, issueAgentPki } from "./agent-pki";

const cert = (path: string) => new X509Certificate(readFileSync(path));

describe("issueAgentPki", () => {
  it("issues a CA, a hub server certificate and a client certificate per node, and keeps them on a second run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qecnet-pki-"));
    const first = await issueAgentPki(dir, ["ep-bank", "ep-stock"]);
    expect(first.created).toHaveLength(9); // … and the QKD channel seed (issue 18)
    const p = agentPkiPaths(dir);
    const ca = cert(p.caCert);
    expect(ca.ca).toBe(true);
    for (const id of ["ep-bank", "ep-stock"]) {
      const c = cert(p.nodeCert(id));
      expect(c.subject).toBe(`CN=${id}`);
      expect(c.checkIssued(ca) && c.verify(ca.publicKey)).toBe(true);
      expect(c.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]); // clientAuth
      expect(statSync(p.nodeKey(id)).mode & 0o777).toBe(0o600);
    }
    const hub = cert(p.hubCert);
    expect(hub.verify(ca.publicKey)).toBe(true);
    expect(hub.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost");
    expect(statSync(p.caKey).mode & 0o777).toBe(0o600);
    expect(statSync(p.channelSeed).mode & 0o777).toBe(0o600);
    const seed = readFileSync(p.channelSeed, "utf8");

    const before = readFileSync(p.nodeCert("ep-bank"), "utf8");
    const second = await issueAgentPki(dir, ["ep-bank", "ep-stock", "ep-grid"]);
    expect(second.created).toEqual([p.nodeCert("ep-grid"), p.nodeKey("ep-grid")]);
    expect(readFileSync(p.nodeCert("ep-bank"), "utf8")).toBe(before);
    expect(readFileSync(p.channelSeed, "utf8")).toBe(seed); // kept: agents already deployed share it
    expect(cert(p.nodeCert("ep-grid")).verify(ca.publicKey)).toBe(true); // signed by the kept CA

    const other = mkdtempSync(join(tmpdir(), "qecnet-pki-"));
    await issueAgentPki(other, ["ep-bank"]);
    expect(cert(agentPkiPaths(other).nodeCert("ep-bank")).verify(ca.publicKey)).toBe(false);
  });

  it("refuses a node id that cannot be a CN", async () => {
    await expect(issueAgentPki(mkdtempSync(join(tmpdir(), "qecnet-pki-")), ["CN=evil,O=x"])).rejects.toThrow(/cannot be a certificate CN/);
  });
});
