/** Shown (with status 403) when the signed-in role may not open a page. */
import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Not allowed" };

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const page = (await searchParams).page;
  return (
    <div data-testid="forbidden">
      <PageHeader title="Not allowed" description={`Your role may not open ${typeof page === "string" ? page : "this page"}. Ask an administrator if you need it.`} />
      <Link href="/mesh" className="text-base text-sky-300 underline">Back to the mesh</Link>
    </div>
  );
}
