/** The browser's inclusion check, run here with Node's Web Crypto: accepts a genuine proof, and names the step a forgery fails. */
import { describe, expect, it } from "vitest";
import { AUDIT_HASH_DOMAIN, computeEntryHash } from "../../audit/entry-hash";
import { inclusionProof } from "./merkle/proofs";
import { nodeHasher } from "../../audit/merkle/node-hasher";
import { toHex } from "./merkle/hasher";
import { leavesOracle, testChain, testCheckpoints, testSigner } from "../../testing/export-fixtures";
import { ENTRY_HASH_DOMAIN, entryHashInBrowser, verifyInclusionInBrowser } from "./verify-in-browser";

async function fixture() {
  const signer = testSigner();
  const chain = testChain(13);
  const [cp] = await testCheckpoints(chain, [13], signer);
  const proofFor = async (seq: number) => ({ checkpoint: cp!, leafIndex: String(seq - 1), proof: (await inclusionProof(nodeHasher, leavesOracle(chain), seq - 1, 13)).map(toHex) });
  return { signer, chain, cp: cp!, proofFor };
}

describe("inclusion verified in the browser", () => {
  it("uses the same entry hash as the server", () => {
    expect(ENTRY_HASH_DOMAIN).toBe(AUDIT_HASH_DOMAIN);
    for (const e of testChain(5)) expect(entryHashInBrowser(e)).toBe(computeEntryHash(e));
  });

  it("accepts every entry of a genuine checkpoint, step by step", async () => {
    const { signer, chain, proofFor } = await fixture();
    for (const seq of [1, 6, 13]) {
      const r = await verifyInclusionInBrowser(chain[seq - 1]!, await proofFor(seq), signer.publicKey);
      expect(r.steps.filter((s) => !s.ok)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });

  it.each<[string, "Entry hash" | "Merkle inclusion" | "Signature" | "Position"]>([
    ["an entry edited after it was hashed", "Entry hash"],
    ["an entry re-hashed by someone who rewrote it", "Merkle inclusion"],
    ["a proof for another entry", "Position"],
    ["a checkpoint signed by another key", "Signature"],
    ["a checkpoint whose root was replaced", "Signature"],
  ])("refuses %s at the %s step", async (label, step) => {
    const { signer, chain, cp, proofFor } = await fixture();
    let entry = chain[5]!;
    let input = await proofFor(6);
    let key = signer.publicKey;
    if (label.startsWith("an entry edited")) entry = { ...entry, actor: "mallory" };
    if (label.startsWith("an entry re-hashed")) {
      const { entryHash: _h, ...rest } = { ...entry, actor: "mallory" };
      entry = { ...rest, entryHash: computeEntryHash(rest) };
    }
    if (label.startsWith("a proof for another")) input = await proofFor(7);
    if (label.startsWith("a checkpoint signed by another")) key = testSigner().publicKey;
    if (label.startsWith("a checkpoint whose root")) {
      input = { ...input, checkpoint: { ...cp, rootHash: "ab".repeat(32) } };
    }
    const r = await verifyInclusionInBrowser(entry, input, key);
    expect(r.ok).toBe(false);
    expect(r.steps.find((s) => !s.ok)?.name === step || r.steps.some((s) => s.name === step && !s.ok)).toBe(true);
  });
});
