import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hkdfSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { detectEntropySources, drawKeyMaterial } from "./entropy";
import { KeyMaterialError } from "./errors";

const NO_HWRNG = { hwrngPath: "/nonexistent/qecnet-test-hwrng" };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qecnet-entropy-"));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function expectSizeRejected(bits: number): void {
  try {
    drawKeyMaterial(bits, NO_HWRNG);
  } catch (err) {
    expect(err).toBeInstanceOf(KeyMaterialError);
    expect((err as KeyMaterialError).code).toBe("INVALID_KEY_SIZE");
    return;
  }
  throw new Error(`size ${bits} was accepted`);
}

describe("drawKeyMaterial", () => {
  it("refuses sizes below 256 bits or not a multiple of 8", () => {
    for (const bits of [0, 8, 128, 248, 255, 257, 260, 263, -256, 256.5, Number.NaN]) {
      expectSizeRejected(bits);
    }
  });

  it("returns sizeBits/8 bytes from the CSPRNG when no hwrng is present", () => {
    const { material, entropySource } = drawKeyMaterial(256, NO_HWRNG);
    expect(material.length).toBe(32);
    expect(entropySource).toBe("os-csprng");
    expect(drawKeyMaterial(1024, NO_HWRNG).material.length).toBe(128);
  });

  it("gives different material on each draw", () => {
    const a = drawKeyMaterial(256, NO_HWRNG).material;
    const b = drawKeyMaterial(256, NO_HWRNG).material;
    expect(a.equals(b)).toBe(false);
    expect(a.equals(Buffer.alloc(32))).toBe(false);
  });

  it("mixes a readable hwrng through HKDF and reports it", () => {
    const hwPath = join(dir, "hwrng");
    const hwBytes = Buffer.alloc(64, 0xab);
    writeFileSync(hwPath, hwBytes);

    const { material, entropySource } = drawKeyMaterial(512, { hwrngPath: hwPath });
    expect(entropySource).toBe(`os-csprng+hwrng:${hwPath}`);
    expect(material.length).toBe(64);
    expect(material.equals(hwBytes)).toBe(false);

    // The CSPRNG part still varies even though the "device" is constant.
    const again = drawKeyMaterial(512, { hwrngPath: hwPath }).material;
    expect(again.equals(material)).toBe(false);
  });

  it("keeps a character device open across draws and still mixes it every time", () => {
    // /dev/urandom stands in for a hardware RNG: a character device that never runs dry.
    const fdsBefore = readdirSync("/proc/self/fd").length;
    const draws = Array.from({ length: 50 }, () => drawKeyMaterial(256, { hwrngPath: "/dev/urandom" }));
    for (const d of draws) expect(d.entropySource).toBe("os-csprng+hwrng:/dev/urandom");
    expect(new Set(draws.map((d) => d.material.toString("hex"))).size).toBe(50);
    // One descriptor held for the device, not one per draw.
    expect(readdirSync("/proc/self/fd").length - fdsBefore).toBeLessThanOrEqual(1);
  });

  it("derives material exactly as HKDF-SHA256(csprng || hwrng)", async () => {
    const hwPath = join(dir, "hwrng");
    const hwBytes = Buffer.alloc(32, 0x5c);
    writeFileSync(hwPath, hwBytes);
    const fixed = Buffer.alloc(32, 0x11);
    const crypto = await import("node:crypto");
    vi.resetModules();
    vi.doMock("node:crypto", () => ({ ...crypto, randomBytes: () => Buffer.from(fixed) }));
    try {
      const mod = await import("./entropy");
      const { material } = mod.drawKeyMaterial(256, { hwrngPath: hwPath });
      const expected = Buffer.from(
        hkdfSync("sha256", Buffer.concat([fixed, hwBytes]), "QECNET-KEYGEN-V1", "key-material", 32),
      );
      expect(material.equals(expected)).toBe(true);
    } finally {
      vi.doUnmock("node:crypto");
      vi.resetModules();
    }
  });

  it("falls back to the CSPRNG when the hwrng gives a short read", () => {
    const hwPath = join(dir, "hwrng");
    writeFileSync(hwPath, Buffer.alloc(16, 1));
    expect(drawKeyMaterial(256, { hwrngPath: hwPath }).entropySource).toBe("os-csprng");
  });

  it("falls back to the CSPRNG when the hwrng path is unreadable", () => {
    expect(drawKeyMaterial(256, NO_HWRNG).entropySource).toBe("os-csprng");
    // A directory opens but cannot be read.
    expect(drawKeyMaterial(256, { hwrngPath: dir }).entropySource).toBe("os-csprng");
    if (process.getuid?.() !== 0) {
      const hwPath = join(dir, "locked");
      writeFileSync(hwPath, Buffer.alloc(64, 1));
      chmodSync(hwPath, 0o000);
      expect(drawKeyMaterial(256, { hwrngPath: hwPath }).entropySource).toBe("os-csprng");
    }
  });
});

describe("detectEntropySources", () => {
  it("reports the hwrng only when it can be read", () => {
    const hwPath = join(dir, "hwrng");
    writeFileSync(hwPath, Buffer.alloc(64, 7));
    expect(detectEntropySources({ hwrngPath: hwPath })).toEqual({
      sources: ["os-csprng", `hwrng:${hwPath}`],
      csprng: { available: true },
      hwrng: { path: hwPath, available: true },
    });
    expect(detectEntropySources(NO_HWRNG)).toEqual({
      sources: ["os-csprng"],
      csprng: { available: true },
      hwrng: { path: NO_HWRNG.hwrngPath, available: false },
    });
  });
});
