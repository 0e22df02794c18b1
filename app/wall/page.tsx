/** The wall screen: the live mesh full screen for a SOC wall or a projector, without the console's navigation. */
import type { Metadata } from "next";
import { Suspense } from "react";
import { WallView } from "@/components/wall/wall-view";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const metadata: Metadata = { title: "Wall" };

export default function WallPage() {
  return (
    <Suspense fallback={<SkeletonRows rows={5} label="Loading the mesh" />}>
      <WallView />
    </Suspense>
  );
}
