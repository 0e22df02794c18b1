/**
 * The scripted demo scenario (demo consoles only): a simulated intercept-resend
 * eavesdropper on a backbone link (hub-sov – relay-north of the demo mesh, else
 * the working hub link most keys crossed). Detection and recovery then happen
 * the normal way: the simulation's QBER rises past the abort threshold and the
 * tick listener opens the incident. Ending it clears the eavesdropper and
 * brings the contained link back.
 */
import type { Db } from "../db/client";
import { poolOf } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { KeyService } from "../keys/key-service";
import type { MeshOperations } from "../mesh/operations/mesh-operations";
import type { DemoScenarioView } from "../recovery/incident-views";
import { restoreContainedLink } from "../recovery/link-containment";

export class DemoScenario {
  constructor(
    private readonly db: Db,
    private readonly keys: KeyService,
    private readonly mesh: MeshOperations,
  ) {}

  async start(who: { actor: string }): Promise<DemoScenarioView> {
    const running = await this.db.link.findFirst({ where: { eavesdropper: true }, select: { id: true } });
    if (running) throw new DomainError("TOPOLOGY_CONFLICT", `A scenario is already running (eavesdropper on link ${running.id}); end it first.`);
    const linkId = await this.demoLink();
    if (!linkId) throw new DomainError("MESH_ELEMENT_NOT_FOUND", "The mesh has no working hub link to put the demo eavesdropper on.");
    await this.mesh.setEavesdropper(linkId, true, "demo scenario: simulated intercept-resend eavesdropper on a backbone link", who);
    return this.state();
  }

  /**
   * Whether the scenario runs (a simulated eavesdropper is on a link), on which
   * link, and the incident it opened once detected (the first incident on that
   * link after the eavesdropper was injected).
   */
  async state(): Promise<DemoScenarioView> {
    const tapped = await this.db.link.findFirst({ where: { eavesdropper: true }, select: { id: true } });
    const linkId = tapped?.id ?? (await this.demoLink());
    if (!linkId) return { running: false, linkId: null, linkName: null, incidentId: null };
    const { rows } = await poolOf(this.db).query<{ a: string; b: string }>(
      "SELECT a.name AS a, b.name AS b FROM links l JOIN nodes a ON a.id = l.a_node_id JOIN nodes b ON b.id = l.b_node_id WHERE l.id = $1",
      [linkId],
    );
    const linkName = rows[0] ? `${rows[0].a} – ${rows[0].b}` : linkId;
    if (!tapped) return { running: false, linkId, linkName, incidentId: null };
    const injected = await this.db.auditEntry.findFirst({
      where: { subjectType: "link", subjectId: linkId, action: "EAVESDROPPER_INJECTED" },
      orderBy: { seq: "desc" },
      select: { seq: true },
    });
    const incident = await this.db.incident.findFirst({
      where: { targetType: "link", targetId: linkId, ...(injected ? { detectedSeq: { gte: injected.seq } } : {}) },
      orderBy: { number: "asc" },
      select: { id: true },
    });
    return { running: true, linkId, linkName, incidentId: incident?.id ?? null };
  }

  /** Ends the demo: the eavesdropper goes, and the contained link comes back UP (QKD restarts at its baseline QBER). */
  async end(who: { actor: string }): Promise<DemoScenarioView & { restoredLinkIds: string[] }> {
    const links = await this.db.link.findMany({ where: { eavesdropper: true }, select: { id: true } });
    if (links.length === 0) throw new DomainError("TOPOLOGY_CONFLICT", "No demo scenario is running.");
    for (const l of links) await this.mesh.setEavesdropper(l.id, false, "demo scenario ended", who);
    const restored: string[] = [];
    for (const l of links) if (await restoreContainedLink(this.keys, l.id, who)) restored.push(l.id);
    return { ...(await this.state()), restoredLinkIds: restored };
  }

  /** The backbone link the scenario uses: hub-sov – relay-north on the demo mesh, else the working hub link most keys crossed. */
  private async demoLink(): Promise<string | null> {
    const { rows } = await poolOf(this.db).query<{ id: string }>(
      `SELECT l.id FROM links l JOIN nodes a ON a.id = l.a_node_id JOIN nodes b ON b.id = l.b_node_id
        WHERE l.status <> 'DOWN' AND (a.role = 'HUB' OR b.role = 'HUB')
        ORDER BY (l.a_node_id IN ('hub-sov', 'relay-north') AND l.b_node_id IN ('hub-sov', 'relay-north')) DESC,
                 (SELECT count(*) FROM key_routes r WHERE r.link_path @> ARRAY[l.id]) DESC, l.id
        LIMIT 1`,
    );
    return rows[0]?.id ?? null;
  }
}
