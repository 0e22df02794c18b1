"use client";
/**
 * Feeds the live route events into a RouteActivity, so the links a key travels
 * over light up: hop by hop from the carrier's "key-hop" events, the whole
 * route from "key-routed" when no hops come (key-hop-routes.ts).
 */
import { useEffect, useState } from "react";
import { useLiveEvent } from "@/components/live/live-events";
import { KeyHopRoutes } from "./key-hop-routes";
import { RouteActivity } from "./route-activity";

export function useRouteActivity(): RouteActivity {
  const [activity] = useState(() => new RouteActivity());
  const [routes] = useState(() => new KeyHopRoutes(activity));
  useEffect(() => () => {
    routes.dispose();
    activity.dispose();
  }, [activity, routes]);
  useLiveEvent((e) => {
    for (const je of e.events ?? []) routes.onEvent(je);
  });
  return activity;
}
