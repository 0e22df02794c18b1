/**
 * The client address: the socket's peer, unless the peer is a trusted proxy,
 * then the right-most X-Forwarded-For hop that is not one; and the HTTP
 * server's stamp overwrites whatever a client sent.
 */
import { describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER, CLIENT_IP_PROOF_HEADER, clientAddressProof, resolveClientAddress, stampClientAddress, withVerifiedClientAddress } from "./client-address";

describe("resolveClientAddress", () => {
  it.each([
    ["no trusted proxies: the peer, whatever X-Forwarded-For says", "10.0.0.1", "203.0.113.9", [], "10.0.0.1"],
    ["IPv4-mapped peer", "::ffff:10.0.0.1", "203.0.113.9", [], "10.0.0.1"],
    ["untrusted peer with a trusted-looking chain", "10.0.0.1", "203.0.113.9, 10.0.0.2", ["10.0.0.2"], "10.0.0.1"],
    ["trusted proxy: the hop it added", "10.0.0.2", "198.51.100.1, 203.0.113.9", ["10.0.0.2"], "203.0.113.9"],
    ["two trusted proxies", "10.0.0.2", "203.0.113.9, 10.0.0.3", ["10.0.0.2", "10.0.0.3"], "203.0.113.9"],
    ["trusted proxy without X-Forwarded-For: the proxy", "10.0.0.2", undefined, ["10.0.0.2"], "10.0.0.2"],
    ["garbage in the chain: the proxy, not the garbage", "10.0.0.2", "evil, not-an-ip", ["10.0.0.2"], "10.0.0.2"],
    ["IPv6", "2001:db8::1", "203.0.113.9", [], "2001:db8::1"],
  ] as const)("%s", (_name, peer, xff, trusted, expected) => {
    expect(resolveClientAddress(peer, xff, trusted)).toBe(expected);
  });

  it("an unknown peer is no address", () => {
    expect(resolveClientAddress(undefined, "203.0.113.9", [])).toBeNull();
  });
});

describe("stamp and check", () => {
  it("the stamp overwrites a client's own values and carries this process's proof; the check keeps it and drops the proof", () => {
    const headers: Record<string, string | string[] | undefined> = { [CLIENT_IP_HEADER]: "192.0.2.1", [CLIENT_IP_PROOF_HEADER]: "forged", "x-forwarded-for": "192.0.2.1" };
    stampClientAddress(headers, "10.0.0.7", []);
    expect(headers).toMatchObject({ [CLIENT_IP_HEADER]: "10.0.0.7", [CLIENT_IP_PROOF_HEADER]: clientAddressProof(), "x-forwarded-for": "10.0.0.7" });
    const checked = withVerifiedClientAddress(new Request("http://127.0.0.1/api/auth/get-session", { headers: headers as Record<string, string> }));
    expect(checked.headers.get(CLIENT_IP_HEADER)).toBe("10.0.0.7");
    expect(checked.headers.get(CLIENT_IP_PROOF_HEADER)).toBeNull();
  });

  it("X-Forwarded-Proto and -Host are kept only from a trusted proxy", () => {
    const direct: Record<string, string | string[] | undefined> = { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" };
    stampClientAddress(direct, "10.0.0.7", ["10.0.0.2"]);
    expect(direct["x-forwarded-proto"]).toBeUndefined();
    expect(direct["x-forwarded-host"]).toBeUndefined();
    const proxied: Record<string, string | string[] | undefined> = { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" };
    stampClientAddress(proxied, "10.0.0.2", ["10.0.0.2"]);
    expect(proxied).toMatchObject({ "x-forwarded-proto": "https", [CLIENT_IP_HEADER]: "203.0.113.9" });
  });

  it("without the proof the address is removed, and the caller is warned once", () => {
    const warnings: string[] = [];
    for (let i = 0; i < 2; i++) {
      const checked = withVerifiedClientAddress(new Request("http://127.0.0.1/x", { headers: { [CLIENT_IP_HEADER]: "192.0.2.1", [CLIENT_IP_PROOF_HEADER]: "forged" } }), (m) => warnings.push(m));
      expect(checked.headers.get(CLIENT_IP_HEADER)).toBeNull();
    }
    expect(warnings).toHaveLength(1);
  });
});
