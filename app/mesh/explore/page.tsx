/** Explore a generated mesh (?nodes=N&seed=S): computed and drawn in the browser, read-only, no API calls. */
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { ExploreClient } from "@/components/mesh/explore/explore-client";
import { PageHeader } from "@/components/ui/page-header";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const metadata: Metadata = { title: "Explore a generated mesh" };

export default function ExploreMeshPage() {
  return (
    <>
      <PageHeader
        title="Explore a generated mesh"
        description="A random but realistic QKD network of N nodes: a hub, a backbone of trusted relays 40-80 km apart and metro endpoints around them, deterministic for a seed. Nothing here touches the live mesh."
        actions={
          <Link href="/mesh" className="text-base font-semibold text-sky-300 underline underline-offset-2 hover:decoration-2">
            Back to the live mesh
          </Link>
        }
      />
      <Suspense fallback={<SkeletonRows rows={5} label="Generating the mesh" />}>
        <ExploreClient />
      </Suspense>
    </>
  );
}
