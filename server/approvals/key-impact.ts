/**
 * What an approval would do to a key, computed for officers before they decide:
 * the keys that change (the target, a pending replacement it abandons, the
 * replacement it generates), the participant nodes, the links between them and
 * the trusted relays and links its distribution crossed (from key_routes: a
 * relay saw the key), and which holders must purge their copy.
 */
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { Impact } from "../domain/approvals/approval-impact";
import type { KeyState } from "../domain/lifecycle/key-states";

export type KeyActionKind = "REVOCATION" | "EMERGENCY_ROTATION";

export async function computeKeyImpact(db: Db, keyId: string, kind: KeyActionKind): Promise<{ label: string; impact: Impact }> {
  const key = await db.key.findUnique({
    where: { id: keyId },
    select: {
      id: true, label: true, generation: true, state: true, version: true,
      participants: { select: { nodeId: true, purgeConfirmedAt: true }, orderBy: { nodeId: "asc" } },
      successors: { select: { id: true, label: true, generation: true, state: true }, orderBy: [{ generation: "asc" }, { distributionAttempt: "asc" }] },
    },
  });
  if (!key) throw new DomainError("KEY_NOT_FOUND", `Key ${keyId} does not exist`, { keyId });
  const holderIds = key.participants.filter((p) => !p.purgeConfirmedAt).map((p) => p.nodeId);
  const participantIds = key.participants.map((p) => p.nodeId);
  const routes = await db.keyRoute.findMany({ where: { keyId }, select: { nodePath: true, linkPath: true } });
  const relayIds = [...new Set(routes.flatMap((r) => r.nodePath.slice(1, -1)))].filter((n) => !participantIds.includes(n));
  const linkIds = [...new Set(routes.flatMap((r) => r.linkPath))];
  const deliveries = await db.keySaeDelivery.findMany({ where: { keyId }, select: { saeId: true, role: true, kmeNodeId: true, deliveredAt: true }, orderBy: [{ role: "asc" }, { saeId: "asc" }] });
  const [nodes, links] = await Promise.all([
    db.node.findMany({ where: { id: { in: [...participantIds, ...relayIds] } }, select: { id: true, name: true, role: true, status: true }, orderBy: { id: "asc" } }),
    db.link.findMany({ where: { id: { in: linkIds } }, select: { id: true, aNodeId: true, bNodeId: true, status: true }, orderBy: { id: "asc" } }),
  ]);
  const pending = key.successors.filter((s) => s.state === "GENERATED" || s.state === "DISTRIBUTED");
  const keys: Impact["keys"] = [];
  let summary: string;
  let purge: string[] = [];
  if (kind === "REVOCATION") {
    const replaces = key.state === "ACTIVE" || (key.state === "ROTATING" && !key.successors.some((s) => s.state === "ACTIVE"));
    keys.push({ id: key.id, label: key.label, generation: key.generation, state: key.state as KeyState, effect: "REVOKED: material zeroised, every holder purges" });
    if (key.state === "ROTATING") for (const s of pending) keys.push({ id: s.id, label: s.label, generation: s.generation, state: s.state as KeyState, effect: "pending replacement abandoned (DESTROYED)" });
    if (replaces) keys.push({ id: null, label: key.label, generation: key.generation + 1, state: null, effect: "emergency replacement generated, distributed and activated" });
    purge = holderIds;
    summary = `Revoke ${key.label} (generation ${key.generation}, ${key.state}); ${purge.length} holder(s) purge their copy${replaces ? "; a replacement is distributed to the same participants" : ""}.`;
  } else {
    // Emergency rotation (compromise-based): immediate, no overlap.
    keys.push({ id: key.id, label: key.label, generation: key.generation, state: key.state as KeyState, effect: "REVOKED at once: material zeroised, every holder purges (no overlap)" });
    keys.push({ id: null, label: key.label, generation: key.generation + 1, state: null, effect: "replacement generated, distributed over paths avoiding the named parts, activated at once" });
    purge = holderIds;
    summary = `Emergency rotation of ${key.label} (generation ${key.generation} → ${key.generation + 1}): revoked now, ${purge.length} holder(s) purge their copy at once, and the replacement goes out over paths that avoid the suspect parts.`;
  }
  const effect = "purges its copy; receives the replacement";
  return {
    label: key.label,
    impact: {
      summary,
      keyVersion: key.version,
      keys,
      nodes: nodes.map((n) => ({
        ...n,
        effect: relayIds.includes(n.id) ? "relayed the key (a trusted node sees what it relays)" : holderIds.includes(n.id) ? effect : "receives the replacement",
      })),
      links,
      participantsToPurge: purge,
      recipients: deliveries.map((d) => ({ saeId: d.saeId, role: d.role, kme: d.kmeNodeId, delivered: d.deliveredAt !== null })),
    },
  };
}
