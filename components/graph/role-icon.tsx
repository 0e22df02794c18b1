/** The shape of a node's role: hexagon for the hub, diamond for a trusted relay, circle for an endpoint. */
import type { NodeRole } from "./mesh-styles";

const SHAPES: Record<NodeRole, string> = {
  HUB: "M12 1.5 21.1 6.75v10.5L12 22.5 2.9 17.25V6.75Z",
  RELAY: "M12 2 22 12 12 22 2 12Z",
  ENDPOINT: "M12 4a8 8 0 1 1 0 16 8 8 0 0 1 0-16Z",
};

export function RoleIcon({ role, size = 20, className = "" }: { role: NodeRole; size?: number; className?: string }) {
  return (
    <svg aria-hidden="true" width={size} height={size} viewBox="0 0 24 24" className={`shrink-0 ${className}`}>
      <path d={SHAPES[role]} fill="currentColor" />
    </svg>
  );
}
