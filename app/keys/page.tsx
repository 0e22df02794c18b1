/** Keys: every key with its state, filterable by state and search (client-side, live). */
import type { Metadata } from "next";
import { Suspense } from "react";
import { KeysConsole } from "@/components/keys/keys-console";
import { PageHeader } from "@/components/ui/page-header";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

export const metadata: Metadata = { title: "Keys" };

export default function KeysPage() {
  return (
    <>
      <PageHeader
        title="Keys"
        description="Every key on the mesh and where it is in its lifecycle. Click a state to filter; choose several to combine them."
      />
      <Suspense fallback={<SkeletonRows label="Loading keys" />}>
        <KeysConsole />
      </Suspense>
    </>
  );
}
