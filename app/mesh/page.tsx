/** Mesh: the console's home, the live QKD network with its side panels and actions. */
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { MeshView } from "@/components/mesh/mesh-view";
import { PageHeader } from "@/components/ui/page-header";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const metadata: Metadata = { title: "Mesh" };

export default function MeshPage() {
  return (
    <>
      <PageHeader
        title="Mesh"
        description="The QKD network live: nodes, quantum links with their QBER, key rate and pool, and keys travelling over them. Click a node or a link for its details and actions."
        actions={
          <Link href="/mesh/explore" className="text-base font-semibold text-sky-300 underline underline-offset-2 hover:decoration-2" data-testid="explore-link">
            Explore a generated mesh
          </Link>
        }
      />
      <Suspense fallback={<SkeletonRows rows={5} label="Loading the mesh" />}>
        <MeshView />
      </Suspense>
    </>
  );
}
