"use client";
/**
 * Sample key traffic for a generated mesh (demo audiences): while switched on,
 * every ~0.8 s a key "travels" from the hub to a random endpoint along a
 * fewest-hops path through trusted nodes, and its links light up exactly as a
 * real key-routed event makes them on the live mesh. Nothing is sent anywhere.
 */
import { useEffect, useState } from "react";
import type { MeshLinkView, MeshNodeView } from "@/components/trpc/router-types";
import { RouteActivity } from "../../graph/route-activity";

const EVERY_MS = 800;

/** Fewest-hops path from `from` to `to` relaying only through non-endpoints: [nodeIds, linkIds], or null. */
export function samplePath(nodes: ReadonlyMap<string, MeshNodeView>, links: readonly MeshLinkView[], from: string, to: string): [string[], string[]] | null {
  const adjacent = new Map<string, MeshLinkView[]>();
  for (const l of links) {
    if (l.status === "DOWN") continue;
    for (const end of [l.aNodeId, l.bNodeId]) adjacent.set(end, [...(adjacent.get(end) ?? []), l]);
  }
  const came = new Map<string, MeshLinkView | null>([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const at = queue.shift()!;
    if (at === to) break;
    if (at !== from && nodes.get(at)?.role === "ENDPOINT") continue;
    for (const l of adjacent.get(at) ?? []) {
      const next = l.aNodeId === at ? l.bNodeId : l.aNodeId;
      if (!came.has(next)) {
        came.set(next, l);
        queue.push(next);
      }
    }
  }
  if (!came.has(to)) return null;
  const nodeIds = [to];
  const linkIds: string[] = [];
  for (let at = to, via = came.get(to); via; via = came.get(at)) {
    linkIds.unshift(via.id);
    at = via.aNodeId === at ? via.bNodeId : via.aNodeId;
    nodeIds.unshift(at);
  }
  return [nodeIds, linkIds];
}

export function useSampleTraffic(nodes: readonly MeshNodeView[], links: readonly MeshLinkView[], on: boolean): RouteActivity {
  const [activity] = useState(() => new RouteActivity());
  useEffect(() => () => activity.dispose(), [activity]);
  useEffect(() => {
    if (!on) return;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const hub = nodes.find((n) => n.role === "HUB");
    const endpoints = nodes.filter((n) => n.role === "ENDPOINT");
    if (!hub || endpoints.length === 0) return;
    const timer = setInterval(() => {
      const target = endpoints[Math.floor(Math.random() * endpoints.length)]!;
      const path = samplePath(byId, links, hub.id, target.id);
      if (path) activity.markRoute(path[1], path[0]);
    }, EVERY_MS);
    return () => clearInterval(timer);
  }, [activity, nodes, links, on]);
  return activity;
}
