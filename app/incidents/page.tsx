/** Incidents: compromise recoveries, their timelines and blast radius; the demo scenario; operators' reports. */
import type { Metadata } from "next";
import { IncidentsConsole } from "@/components/incidents/incidents-console";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Incidents" };

export default function IncidentsPage() {
  return (
    <>
      <PageHeader
        title="Incidents"
        description="Each compromise the hub detected or was told about, and its recovery: contain the link or node, revoke every key it could have exposed, re-distribute replacements around it, verify. Keys outside the blast radius keep working."
      />
      <IncidentsConsole />
    </>
  );
}
