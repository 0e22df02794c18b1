/**
 * The dev SAE and KME PKIs: SAE certificates chain to the SAE CA only, with
 * CN = SAE ID and clientAuth; KME certificates chain to the KME CA only, with
 * CN = node id, SAN 127.0.0.1 and localhost and serverAuth; keys are 0600; a
 * second run keeps every file and signs what is new with the kept CAs; another
 * PKI's CA does not verify them; names that cannot be a CN are refused.
 */
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_SAES } from "../../demo/demo-saes";
import { DEMO_NODES } from "../../demo/demo-topology";
import { issueKmePki, kmePkiPaths } from "./kme-pki";

const cert = (path: string) => new X509Certificate(readFileSync(path));
const fresh = () => mkdtempSync(join(tmpdir(), "qecnet-kme-pki-"));
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

describe("issueKmePki", () => {
  it("issues an SAE CA and a KME CA, a server certificate per node and a client certificate per SAE, and keeps them on a second run", async () => {
    const dir = fresh();
    const first = await issueKmePki(dir, { nodeIds: ["ep-bank", "ep-stock"], saeIds: ["sae-bank-1", "sae-stock-1"] });
    expect(first.created).toHaveLength(12);
    const p = kmePkiPaths(dir);
    const saeCa = cert(p.saeCaCert);
    const kmeCa = cert(p.kmeCaCert);
    expect(saeCa.ca && kmeCa.ca).toBe(true);
    expect(saeCa.subject).toBe("CN=QECNet SAE CA\nO=QECNet");
    expect(kmeCa.subject).toBe("CN=QECNet KME CA\nO=QECNet");
    expect(saeCa.publicKey.equals(kmeCa.publicKey)).toBe(false); // separate keys, separate trust domains

    for (const id of ["sae-bank-1", "sae-stock-1"]) {
      const c = cert(p.saeCert(id));
      expect(c.subject).toBe(`CN=${id}`);
      expect(c.ca).toBe(false);
      expect(c.checkIssued(saeCa) && c.verify(saeCa.publicKey)).toBe(true);
      expect(c.verify(kmeCa.publicKey)).toBe(false);
      expect(c.keyUsage).toEqual([CLIENT_AUTH]);
      expect(c.subjectAltName).toBeUndefined();
      expect(statSync(p.saeKey(id)).mode & 0o777).toBe(0o600);
    }
    for (const id of ["ep-bank", "ep-stock"]) {
      const c = cert(p.kmeCert(id));
      expect(c.subject).toBe(`CN=${id}`);
      expect(c.checkIssued(kmeCa) && c.verify(kmeCa.publicKey)).toBe(true);
      expect(c.verify(saeCa.publicKey)).toBe(false);
      expect(c.keyUsage).toEqual([SERVER_AUTH]);
      expect(c.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost");
      expect(c.checkHost("localhost")).toBe("localhost");
      expect(c.checkIP("127.0.0.1")).toBe("127.0.0.1");
      expect(statSync(p.kmeKey(id)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(p.saeCaKey).mode & 0o777).toBe(0o600);
    expect(statSync(p.kmeCaKey).mode & 0o777).toBe(0o600);

    const before = [readFileSync(p.saeCaCert, "utf8"), readFileSync(p.kmeCert("ep-bank"), "utf8"), readFileSync(p.saeCert("sae-bank-1"), "utf8")];
    const second = await issueKmePki(dir, { nodeIds: ["ep-bank", "ep-stock", "ep-grid"], saeIds: ["sae-bank-1", "sae-stock-1", "sae-grid:ops.1"] });
    expect(second.created).toEqual([p.kmeCert("ep-grid"), p.kmeKey("ep-grid"), p.saeCert("sae-grid:ops.1"), p.saeKey("sae-grid:ops.1")]);
    expect(second.kept).toHaveLength(12);
    expect([readFileSync(p.saeCaCert, "utf8"), readFileSync(p.kmeCert("ep-bank"), "utf8"), readFileSync(p.saeCert("sae-bank-1"), "utf8")]).toEqual(before);
    // Signed by the kept CAs.
    expect(cert(p.kmeCert("ep-grid")).verify(kmeCa.publicKey)).toBe(true);
    expect(cert(p.saeCert("sae-grid:ops.1")).verify(saeCa.publicKey)).toBe(true);

    const other = fresh();
    await issueKmePki(other, { nodeIds: ["ep-bank"], saeIds: ["sae-bank-1"] });
    expect(cert(kmePkiPaths(other).saeCert("sae-bank-1")).verify(saeCa.publicKey)).toBe(false);
    expect(cert(kmePkiPaths(other).kmeCert("ep-bank")).verify(kmeCa.publicKey)).toBe(false);
  });

  it.each([
    ["an SAE ID with a comma (another RDN)", { nodeIds: [], saeIds: ["sae,O=evil"] }, /SAE ID .* cannot be a certificate CN/],
    ["an SAE ID with a slash (a path)", { nodeIds: [], saeIds: ["../sae"] }, /SAE ID .* cannot be a certificate CN/],
    ["an SAE ID of 65 characters", { nodeIds: [], saeIds: ["s".repeat(65)] }, /SAE ID .* cannot be a certificate CN/],
    ["an empty SAE ID", { nodeIds: [], saeIds: [""] }, /SAE ID .* cannot be a certificate CN/],
    ["the SAE ID ..", { nodeIds: [], saeIds: [".."] }, /SAE ID .* cannot be a certificate CN/],
    ["a node id with an equals sign", { nodeIds: ["CN=evil"], saeIds: [] }, /node id .* cannot be a certificate CN/],
  ])("refuses %s", async (_name, who, error) => {
    await expect(issueKmePki(fresh(), who)).rejects.toThrow(error);
  });

  it("issues the demo SAEs at endpoint nodes of the demo topology", () => {
    const endpoints = new Set(DEMO_NODES.filter((n) => n.role === "ENDPOINT").map((n) => n.id));
    expect(DEMO_SAES.length).toBeGreaterThanOrEqual(2);
    for (const s of DEMO_SAES) expect(endpoints.has(s.nodeId), s.nodeId).toBe(true);
  });
});
