/** One key: its state, actions, timeline, participants and lineage (rendered client-side, live). */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { KeyDetailView } from "@/components/key-detail/key-detail-view";

export const metadata: Metadata = { title: "Key" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function KeyPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // A key id is a UUID; anything else cannot be a key: answer 404 without asking the API.
  if (!UUID.test(id)) notFound();
  return <KeyDetailView id={id.toLowerCase()} />;
}
