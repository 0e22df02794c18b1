"use client";
/** Lets parts drawn inside React Flow (edge labels) open the side panel. */
import { createContext, useContext } from "react";

export type SelectElement = (kind: "node" | "link", id: string) => void;

export const GraphSelectContext = createContext<SelectElement>(() => undefined);

export function useSelectElement(): SelectElement {
  return useContext(GraphSelectContext);
}
