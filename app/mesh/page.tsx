/** Mesh: the QKD network's nodes and links, read-only (rendered client-side, live). */
import type { Metadata } from "next";
import { MeshView } from "@/components/mesh/mesh-view";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Mesh" };

export default function MeshPage() {
  return (
    <>
      <PageHeader
        title="Mesh"
        description="Nodes and the QKD fibre links between them, with each link's quantum bit error rate. Pan and zoom; nothing here can be changed."
      />
      <MeshView />
      <p className="mt-5 text-sm text-slate-400" data-testid="mesh-note">
        Read-only for now: live link simulation, node isolation and the animation of key distribution across the mesh arrive with the mesh work.
      </p>
    </>
  );
}
