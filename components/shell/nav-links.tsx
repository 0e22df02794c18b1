"use client";
/**
 * The areas of the console the signed-in role may open (server/domain/access/permissions.ts);
 * the current one is marked for sight and for screen readers. Approvals carries the live badge,
 * Incidents the count of open ones.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { mayOpenPage, PAGE_ACCESS } from "@/server/domain/access/permissions";
import { useCurrentUser } from "@/components/auth/current-user";
import { ApprovalsBadge } from "@/components/approvals/approvals-badge";
import { IncidentsBadge } from "@/components/incidents/incidents-badge";

const AREAS = [
  { href: "/mesh", label: "Mesh", testId: "nav-mesh", hint: "Nodes and QKD links" },
  { href: "/keys", label: "Keys", testId: "nav-keys", hint: "Key lifecycle" },
  { href: "/incidents", label: "Incidents", testId: "nav-incidents", hint: "Compromise recoveries" },
  { href: "/approvals", label: "Approvals", testId: "nav-approvals", hint: "Two-person approvals" },
  { href: "/audit", label: "Audit", testId: "nav-audit", hint: "Tamper-evident log" },
  { href: "/admin", label: "Admin", testId: "nav-admin", hint: "Users, roles, approval rules" },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  const { role } = useCurrentUser();
  const areas = AREAS.filter((a) => mayOpenPage(PAGE_ACCESS[a.href], role));
  return (
    <nav aria-label="Console areas">
      <ul className="flex gap-1 lg:flex-col">
        {areas.map((a) => {
          const current = pathname === a.href || pathname.startsWith(`${a.href}/`);
          return (
            <li key={a.href}>
              <Link
                href={a.href}
                data-testid={a.testId}
                aria-current={current ? "page" : undefined}
                title={a.hint}
                className={`flex items-center gap-3 rounded-lg border-l-4 px-3 py-2.5 text-lg font-semibold transition-colors ${
                  current
                    ? "border-sky-400 bg-sky-500/15 text-white"
                    : "border-transparent text-slate-300 hover:bg-panel-raised hover:text-white"
                }`}
              >
                {a.label}
                {a.href === "/approvals" ? <ApprovalsBadge /> : null}
                {a.href === "/incidents" ? <IncidentsBadge /> : null}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
