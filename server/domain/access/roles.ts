/**
 * The console's roles, ranked. Each role can do what the roles below it can,
 * with one deliberate exception declared in permissions.ts: only officers vote
 * on key and mesh requests (an administrator grants roles, so letting them vote
 * too would let one person satisfy a two-person rule with accounts they made),
 * and only administrators vote on role grants (approval-rules.ts: voterRoleOf).
 */
export const ROLES = ["viewer", "analyst", "officer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_RANK: Record<Role, number> = { viewer: 0, analyst: 1, officer: 2, admin: 3 };

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: "Demo audience: reads everything, changes nothing",
  analyst: "SOC staff: monitors, verifies the audit chain, requests revocations and emergency rotations",
  officer: "Security officer: approves or rejects requests, runs routine key operations",
  admin: "Administrator: users, roles (officer and admin with a second administrator's approval), approval rules; routine key operations; votes only on role grants",
};

export function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

export function rankOf(role: Role): number {
  return ROLE_RANK[role];
}
