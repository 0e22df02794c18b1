"use client";
/**
 * The explore view, rendered in the browser only: a generated mesh of hundreds
 * of nodes has nothing worth rendering on the server, and server-rendering it
 * only delays the page (and streams a second, hidden copy until hydration).
 */
import dynamic from "next/dynamic";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const ExploreClient = dynamic(() => import("./explore-view").then((m) => m.ExploreView), {
  ssr: false,
  loading: () => <SkeletonRows rows={5} label="Generating the mesh" />,
});
