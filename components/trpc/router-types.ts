/**
 * Browser-side names for what the API returns, inferred from the router so a
 * change on the server shows up here as a type error, never as a runtime surprise.
 */
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** A key in the list, with a ROTATING key's rotation at a glance. */
export type KeyListItem = RouterOutputs["keys"]["list"]["items"][number];
export type KeyView = Omit<KeyListItem, "rotation">;
export type KeyDetail = RouterOutputs["keys"]["get"];
export type KeyLineageEntry = KeyDetail["lineage"][number];
export type KeyPolicyView = RouterOutputs["keys"]["policies"][number];
export type AuditEntry = RouterOutputs["audit"]["list"]["items"][number];
export type AuditHead = RouterOutputs["audit"]["list"]["head"];
export type ChainVerifyResult = RouterOutputs["audit"]["verify"];
export type MeshNode = RouterOutputs["nodes"]["list"][number];
export type MeshLink = RouterOutputs["nodes"]["links"][number];
export type ApprovalListItem = RouterOutputs["approvals"]["list"]["items"][number];
export type ApprovalDetail = RouterOutputs["approvals"]["get"];
export type ApprovalPreview = RouterOutputs["approvals"]["preview"];
export type UserListItem = RouterOutputs["users"]["list"][number];
export type IncidentListItem = RouterOutputs["incidents"]["list"][number];
export type IncidentDetail = RouterOutputs["incidents"]["get"];
export type DemoScenario = RouterOutputs["incidents"]["demoStatus"];
export type MeshStateView = RouterOutputs["mesh"]["state"];
export type MeshNodeView = MeshStateView["nodes"][number];
export type MeshLinkView = MeshStateView["links"][number];
export type SimulationView = MeshStateView["simulation"];
export type MeshNodeDetail = RouterOutputs["mesh"]["node"];
export type MeshLinkDetail = RouterOutputs["mesh"]["link"];
export type MeshKeyRef = MeshNodeDetail["keys"][number];
export type MeshEventView = MeshNodeDetail["events"][number];
export type LinkSampleView = MeshLinkDetail["samples"][number];
/** What isolating or restoring a node did (the keys it rewired or put on hold). */
export type RewireResult = RouterOutputs["mesh"]["isolateNode"];
export type RemoveLinkResult = RouterOutputs["mesh"]["removeLink"];
/** Key copies delivered per minute (the wall's chart), and the node agents at a glance. */
export type DeliveryHistoryView = RouterOutputs["trends"]["deliveries"];
export type AgentOverviewView = RouterOutputs["mesh"]["agents"];
/** ETSI 014 applications (SAEs): the registry, a site's KME, a key's deliveries (IDs and counts, never key bytes). */
export type ApplicationsView = RouterOutputs["applications"]["list"];
export type SaeView = ApplicationsView["saes"][number];
export type SiteKmeView = RouterOutputs["applications"]["site"];
export type KeyDeliveriesView = RouterOutputs["applications"]["keyDeliveries"];
/** A link's one-time pad levels per end and direction, and its desync (issue 18): counts only. */
export type LinkPadsView = RouterOutputs["mesh"]["pads"][number];
