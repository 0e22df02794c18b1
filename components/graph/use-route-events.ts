"use client";
/** Feeds key-routed live events into a RouteActivity, so the links a key travels over light up. */
import { useEffect, useState } from "react";
import { useLiveEvent } from "@/components/live/live-events";
import { RouteActivity } from "./route-activity";

export function useRouteActivity(): RouteActivity {
  const [activity] = useState(() => new RouteActivity());
  useEffect(() => () => activity.dispose(), [activity]);
  useLiveEvent((e) => {
    for (const je of e.events ?? []) {
      if (je.type !== "key-routed" || !je.data) continue;
      const { linkIds, nodeIds } = je.data;
      if (Array.isArray(linkIds)) activity.markRoute(linkIds, Array.isArray(nodeIds) ? nodeIds : []);
    }
  });
  return activity;
}
