"use client";
/**
 * Keeps the Mesh page's PadMarks store (components/graph/pad-marks.ts) filled
 * with every link's pad levels (mesh.pads), refetched when a "pad-levels"
 * event arrives (live-events.tsx) and by polling as the safety net. A failed
 * fetch leaves the last levels in place (the link panel shows the error).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/trpc/trpc-context";
import { PadMarks } from "../graph/pad-marks";

export function usePadMarks(refetchInterval: number | false): PadMarks {
  const trpc = useTRPC();
  const [marks] = useState(() => new PadMarks());
  const pads = useQuery(trpc.mesh.pads.queryOptions({}, { refetchInterval }));
  useEffect(() => {
    if (pads.data) marks.set(pads.data);
  }, [marks, pads.data]);
  return marks;
}
