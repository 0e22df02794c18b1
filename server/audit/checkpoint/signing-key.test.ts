/** The checkpoint signing key is kept like the master key: created 0600, looser files refused, env accepted, nothing echoed. */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SIGNING_KEY_FILE_NAME, loadSigningKey, parsePublicKey, verifyCheckpointSignature } from "./signing-key";

const dir = () => mkdtempSync(join(tmpdir(), "qecnet-sk-"));
const body = { v: 1 as const, log: "qecnet-audit", treeSize: "5", rootHash: "a".repeat(64), headHash: "b".repeat(64), timestamp: "2026-01-01T00:00:00.000Z", keyId: "0".repeat(16) };

describe("audit signing key", () => {
  it("is created once with mode 0600 and loaded again from the file", () => {
    const d = dir();
    const first = loadSigningKey({ dataDir: d });
    expect(first.source).toBe("created");
    expect(statSync(join(d, SIGNING_KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    const again = loadSigningKey({ dataDir: d });
    expect(again).toMatchObject({ source: "file", publicKey: first.publicKey, keyId: first.keyId });
    const sig = again.sign({ ...body, keyId: again.keyId });
    expect(verifyCheckpointSignature({ ...body, keyId: again.keyId }, sig, parsePublicKey(first.publicKey)!.key)).toBe(true);
  });

  it("refuses a key file readable by group or others, naming the fix", () => {
    const d = dir();
    loadSigningKey({ dataDir: d });
    chmodSync(join(d, SIGNING_KEY_FILE_NAME), 0o644);
    expect(() => loadSigningKey({ dataDir: d })).toThrow(/accessible by group or others \(mode 644\).*chmod 600/);
  });

  it("accepts a 32-byte seed in the environment and refuses garbage without echoing it", () => {
    const seed = "11".repeat(32);
    const k = loadSigningKey({ dataDir: dir(), envValue: seed });
    expect(k.source).toBe("env");
    expect(loadSigningKey({ dataDir: dir(), envValue: seed }).publicKey).toBe(k.publicKey);
    const secret = "not-a-key-but-secret-looking-value";
    let message = "";
    try {
      loadSigningKey({ dataDir: dir(), envValue: secret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/QECNET_AUDIT_SIGNING_KEY must be an Ed25519 private key/);
    expect(message).not.toContain(secret);
  });

  it("refuses a malformed key file without printing its contents", () => {
    const d = dir();
    writeFileSync(join(d, SIGNING_KEY_FILE_NAME), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", { mode: 0o600 });
    expect(() => loadSigningKey({ dataDir: d })).toThrow(/must be an Ed25519 private key/);
    expect(readFileSync(join(d, SIGNING_KEY_FILE_NAME), "utf8")).toContain("AAAA"); // left alone
  });

  it("parses public keys as base64, hex or PEM and rejects others", () => {
    const k = loadSigningKey({ dataDir: dir() });
    const raw = Buffer.from(k.publicKey, "base64");
    expect(parsePublicKey(raw.toString("hex"))?.raw.equals(raw)).toBe(true);
    expect(parsePublicKey(k.publicKeyPem)?.raw.equals(raw)).toBe(true);
    expect(parsePublicKey("abc")).toBeNull();
  });
});
