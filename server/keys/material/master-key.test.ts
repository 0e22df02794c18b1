import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyMaterialError } from "./errors";
import { loadMasterKey, masterKeyId } from "./master-key";

const posix = process.platform !== "win32";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "qecnet-master-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function catchError(fn: () => unknown): KeyMaterialError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyMaterialError);
    return err as KeyMaterialError;
  }
  throw new Error("expected a KeyMaterialError");
}

describe("loadMasterKey from QECNET_MASTER_KEY", () => {
  const raw = randomBytes(32);

  it("accepts 64 hex chars", () => {
    const loaded = loadMasterKey({ envValue: raw.toString("hex").toUpperCase(), dataDir: root });
    expect(loaded.source).toBe("env");
    expect(loaded.key.equals(raw)).toBe(true);
    expect(existsSync(join(root, "master.key"))).toBe(false);
  });

  it("accepts base64 of exactly 32 bytes, with a trailing newline tolerated", () => {
    const loaded = loadMasterKey({ envValue: `${raw.toString("base64")}\n`, dataDir: root });
    expect(loaded.source).toBe("env");
    expect(loaded.key.equals(raw)).toBe(true);
  });

  it("computes the same keyId whichever encoding is used", () => {
    const a = loadMasterKey({ envValue: raw.toString("hex"), dataDir: root });
    const b = loadMasterKey({ envValue: raw.toString("base64"), dataDir: root });
    expect(a.keyId).toBe(b.keyId);
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from("QECNET-MASTER-KEY-ID-V1"), raw]))
      .digest("hex")
      .slice(0, 16);
    expect(a.keyId).toBe(expected);
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("rejects other formats without echoing the value", () => {
    const bad = [
      raw.toString("hex").slice(0, 62), // 31 bytes of hex
      `${raw.toString("hex")}00`, // 33 bytes of hex
      randomBytes(31).toString("base64"),
      randomBytes(33).toString("base64"),
      `-${raw.toString("base64url").slice(1)}`, // base64url alphabet (always has a "-")
      `zz${raw.toString("hex").slice(2)}`,
      "correct horse battery staple, definitely a secret",
    ];
    for (const envValue of bad) {
      const err = catchError(() => loadMasterKey({ envValue, dataDir: root }));
      expect(err.code).toBe("INVALID_MASTER_KEY");
      expect(err.message).not.toContain(envValue);
      expect(err.message).toMatch(/64 hexadecimal/);
      expect(err.message).toMatch(/base64/);
    }
  });
});

describe("loadMasterKey from <dataDir>/master.key", () => {
  it("creates the data dir and a 0600 key file, then reuses it", () => {
    const dataDir = join(root, "nested", "data");
    const first = loadMasterKey({ dataDir });
    expect(first.source).toBe("created");
    expect(first.key.length).toBe(32);

    const path = join(dataDir, "master.key");
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe(`${first.key.toString("hex")}\n`);

    const second = loadMasterKey({ dataDir });
    expect(second.source).toBe("file");
    expect(second.keyId).toBe(first.keyId);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it("treats an empty env value as unset", () => {
    expect(loadMasterKey({ envValue: "", dataDir: root }).source).toBe("created");
  });

  it("reads a hand-written hex file without a trailing newline", () => {
    const raw = randomBytes(32);
    const path = join(root, "master.key");
    writeFileSync(path, raw.toString("hex"), { mode: 0o600 });
    const loaded = loadMasterKey({ dataDir: root });
    expect(loaded.source).toBe("file");
    expect(loaded.key.equals(raw)).toBe(true);
    expect(loaded.keyId).toBe(masterKeyId(raw));
  });

  it.skipIf(!posix)("refuses a key file readable by group or others", () => {
    loadMasterKey({ dataDir: root });
    const path = join(root, "master.key");
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      const err = catchError(() => loadMasterKey({ dataDir: root }));
      expect(err.code).toBe("MASTER_KEY_FILE_INSECURE");
      expect(err.message).toContain("chmod 600");
      expect(err.message).not.toContain(readFileSync(path, "utf8").trim());
    }
    chmodSync(path, 0o400);
    expect(loadMasterKey({ dataDir: root }).source).toBe("file");
  });

  it("rejects a malformed key file without echoing its contents", () => {
    const path = join(root, "master.key");
    const contents = "not-a-key-but-maybe-secret";
    writeFileSync(path, contents, { mode: 0o600 });
    const err = catchError(() => loadMasterKey({ dataDir: root }));
    expect(err.code).toBe("INVALID_MASTER_KEY");
    expect(err.message).not.toContain(contents);
  });

  it("leaves no temp files behind after creation", async () => {
    loadMasterKey({ dataDir: root });
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(root)).toEqual(["master.key"]);
  });
});
