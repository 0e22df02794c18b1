/**
 * THE one place that says who may call each tRPC procedure and open each page.
 *
 * - Every procedure of appRouter is listed by its path ("router.procedure").
 *   The tRPC middleware (server/api/trpc.ts) looks the path up on every call:
 *   a procedure missing here is refused to everyone (fail closed), and
 *   server/domain/access/permissions.test.ts fails when appRouter has a procedure this
 *   table does not list. Adding a procedure = adding its row here.
 * - Every page route is listed by its App Router pattern; proxy.ts enforces it.
 * - Every HTTP route under app/api is listed by its folder pattern; each route
 *   file is wrapped in server/api/route-guard.ts, which enforces its row, and
 *   server/api/unauthenticated.int.test.ts proves that without a session
 *   every route and procedure answers 401 except the few rows marked public.
 * - Demo-only procedures (a simulated eavesdropper, the scripted scenario) are
 *   refused to every role on a console that is not a demo (QECNET_SEED_DEMO).
 *
 * An entry is the minimum role, or an explicit list of roles (when rank alone
 * would say the wrong thing), or a refusal for everyone with the reason (an
 * action that only the approval workflow may carry out).
 */
import { ROLES, rankOf, type Role } from "./roles";

export type Access =
  | { min: Role; demoOnly?: true }
  | { only: readonly Role[]; why: string; demoOnly?: true }
  | { nobody: string };

const min = (role: Role): Access => ({ min: role });
/** Only on a demonstration console (QECNET_SEED_DEMO=true): it acts on the mesh with simulated faults that really revoke keys. */
const demoOnly = (role: Role): Access => ({ min: role, demoOnly: true });
const VOTERS: Access = {
  only: ["officer", "admin"],
  why: "Security officers decide key and mesh requests, administrators decide role grants (the approval rules check the kind: an admin's vote on a revocation is refused)",
};

export const PROCEDURE_ACCESS = {
  // keys: everyone reads; officers (and admins) run routine lifecycle operations
  "keys.list": min("viewer"),
  "keys.counts": min("viewer"),
  "keys.get": min("viewer"),
  "keys.rotation": min("viewer"),
  "keys.policies": min("viewer"),
  "keys.createPolicy": min("admin"),
  "keys.updatePolicy": min("admin"),
  "keys.deletePolicy": min("admin"),
  "keys.create": min("officer"),
  "keys.distribute": min("officer"),
  "keys.confirmReceipt": min("officer"),
  "keys.collectReceipts": min("officer"),
  "keys.activate": min("officer"),
  "keys.reportDistributionFailure": min("officer"),
  "keys.recordUsage": min("officer"),
  "keys.rotate": min("officer"),
  "keys.completeRotation": min("officer"),
  "keys.cancelRotation": min("officer"),
  "keys.destroy": min("officer"),
  // compromise-based rotation: SOC staff ask, an officer approves (the request goes through the approval workflow)
  "keys.requestEmergencyRotation": min("analyst"),

  // audit: everyone reads; verifying (which is itself recorded) from analyst up
  "audit.list": min("viewer"),
  "audit.actions": min("viewer"),
  "audit.verify": min("analyst"),
  // the integrity alarm is shown to every role (a banner on every page)
  "audit.integrity": min("viewer"),

  // mesh: everyone watches; officers contain (isolate/restore); admins own the topology;
  // the demo's simulated eavesdropper is for SOC staff (analyst) and up, never the demo audience
  "nodes.list": min("viewer"),
  "nodes.links": min("viewer"),
  "trends.keyStates": min("viewer"),
  "trends.deliveries": min("viewer"),
  "mesh.state": min("viewer"),
  "mesh.node": min("viewer"),
  "mesh.link": min("viewer"),
  "mesh.agents": min("viewer"),
  "mesh.pads": min("viewer"),
  "mesh.isolateNode": min("officer"),
  "mesh.restoreNode": min("officer"),
  "mesh.restoreLink": min("officer"),
  "mesh.resyncPads": min("officer"),
  "mesh.addLink": min("admin"),
  "mesh.removeLink": min("admin"),
  "mesh.setEavesdropper": demoOnly("analyst"),

  // incidents (compromise recoveries): everyone follows them; SOC staff report a compromise (policy says whether
  // recovery waits for an officer); the scripted demo scenario touches only a simulated fault, so demo visitors run it,
  // but only on a demonstration console: it really revokes keys
  "incidents.list": min("viewer"),
  "incidents.get": min("viewer"),
  "incidents.highlight": min("viewer"),
  "incidents.demoStatus": min("viewer"),
  "incidents.report": min("analyst"),
  "incidents.startDemo": demoOnly("viewer"),
  "incidents.endDemo": demoOnly("viewer"),

  // signed audit checkpoints: everyone reads and checks proofs; publishing on demand from analyst up
  "checkpoints.latest": min("viewer"),
  "checkpoints.publish": min("analyst"),
  "checkpoints.inclusionProof": min("viewer"),
  "checkpoints.consistencyProof": min("viewer"),

  // live events (server-sent events): everyone signed in
  "events.stream": min("viewer"),

  // the signed-in user's own account
  "account.me": min("viewer"),
  "account.signOutEverywhere": min("viewer"),
  "account.secondFactor": min("viewer"),

  // approvals: analysts and up see and raise requests; officers vote
  "approvals.list": min("analyst"),
  "approvals.get": min("analyst"),
  "approvals.pendingCount": min("analyst"),
  "approvals.onPendingCount": min("analyst"),
  "approvals.kinds": min("analyst"),
  "approvals.preview": min("analyst"),
  "approvals.request": min("analyst"),
  "approvals.withdraw": min("analyst"),
  "approvals.approve": VOTERS,
  "approvals.reject": VOTERS,
  "approvals.rules": min("analyst"),
  "approvals.updateRule": min("admin"),

  // applications (ETSI 014 SAEs): everyone sees SAE IDs, pools and counts (never key bytes); administrators own the registry
  "applications.list": min("viewer"),
  "applications.site": min("viewer"),
  "applications.keyDeliveries": min("viewer"),
  "applications.register": min("admin"),
  "applications.update": min("admin"),
  "applications.setEnabled": min("admin"),
  "applications.pair": min("admin"),
  "applications.unpair": min("admin"),

  // users and roles
  "users.list": min("admin"),
  "users.create": min("admin"),
  "users.setRole": min("admin"),
  "users.requestRole": min("admin"),
  "users.setDisabled": min("admin"),
} as const satisfies Record<string, Access>;

/**
 * Procedures that ask officers and administrators for a fresh second factor
 * (proof younger than 5 minutes, server/auth/second-factor.ts) on a console
 * that is not a demo: votes, role grants, policy changes. The predicate sees
 * the raw input (before validation) and fails closed: only an input that
 * clearly grants no officer/admin power skips the step-up.
 */
const always = () => true;
const grantsPower = (input: unknown) => {
  const role = (input as { role?: unknown } | null | undefined)?.role;
  return role !== "viewer" && role !== "analyst";
};
export const STEP_UP_PROCEDURES: Partial<Record<ProcedurePath, (rawInput: unknown) => boolean>> = {
  "approvals.approve": always,
  "approvals.reject": always,
  "users.create": grantsPower,
  "users.setRole": grantsPower,
  // Asking for officer or admin (a second administrator decides it) is a role grant too.
  "users.requestRole": always,
  "keys.createPolicy": always,
  "keys.updatePolicy": always,
  "keys.deletePolicy": always,
  "approvals.updateRule": always,
  // Who may take keys from a KME: registering, re-pinning, pairing or enabling an application grants it; disabling
  // and unpairing only take power away.
  "applications.register": always,
  "applications.update": always,
  "applications.pair": always,
  "applications.setEnabled": (input) => (input as { enabled?: unknown } | null | undefined)?.enabled !== false,
};

/** What an officer or admin may still call before enrolling or proving a second factor: their own account. */
export const SECOND_FACTOR_EXEMPT: ReadonlySet<ProcedurePath> = new Set(["account.me", "account.secondFactor", "account.signOutEverywhere"]);

export function needsStepUp(path: string, rawInput: unknown): boolean {
  const p = Object.hasOwn(STEP_UP_PROCEDURES, path) ? STEP_UP_PROCEDURES[path as ProcedurePath] : undefined;
  return p ? p(rawInput) : false;
}

/** Page routes (App Router patterns) and who may open them; "public" needs no sign-in. */
export const PAGE_ACCESS = {
  "/sign-in": "public",
  "/account/security": min("viewer"),
  "/forbidden": min("viewer"),
  "/": min("viewer"),
  "/mesh": min("viewer"),
  "/mesh/explore": min("viewer"),
  "/wall": min("viewer"),
  "/keys": min("viewer"),
  "/keys/[id]": min("viewer"),
  "/audit": min("viewer"),
  "/incidents": min("viewer"),
  "/incidents/[id]": min("viewer"),
  "/approvals": min("analyst"),
  "/approvals/[id]": min("analyst"),
  "/admin": min("admin"),
} as const satisfies Record<string, Access | "public">;

/**
 * HTTP routes under app/api (folder patterns) and who may call them:
 * - an Access: a signed-in user with that role (401 without a session, 403 below it);
 * - `orMetricsToken`: alternatively the scrape token (Authorization: Bearer $QECNET_METRICS_TOKEN);
 * - `metricsToken`: the scrape token only (a session is not enough: Prometheus has none);
 * - `procedures`: tRPC, where each call is checked against PROCEDURE_ACCESS above;
 * - `public`: no sign-in, with the reason (kept short: the unauthenticated test allow-lists exactly these).
 */
export type RouteAccess =
  | { session: Access; orMetricsToken?: true }
  | { metricsToken: true }
  | { procedures: true }
  | { public: string };

export const ROUTE_ACCESS = {
  "/api/auth/[...all]": { public: "better-auth's own endpoints: signing in must work signed out; each endpoint checks its own session" },
  "/api/health": { public: "liveness for load balancers: answers {status:\"ok\"} and says nothing else" },
  "/api/audit/checkpoints": { public: "signed checkpoints name no one (tree size, root hash, signature): outside auditors pin them" },
  "/api/audit/export": { session: min("viewer") },
  "/api/audit/proofs/inclusion": { session: min("viewer") },
  "/api/audit/proofs/consistency": { session: min("viewer") },
  "/api/metrics": { metricsToken: true },
  "/api/ready": { session: min("viewer"), orMetricsToken: true },
  "/api/trpc/[trpc]": { procedures: true },
} as const satisfies Record<string, RouteAccess>;

export type RoutePath = keyof typeof ROUTE_ACCESS;

export type ProcedurePath = keyof typeof PROCEDURE_ACCESS;

/** The roles an entry admits (possibly none). */
export function rolesAllowed(access: Access): Role[] {
  if ("min" in access) return ROLES.filter((r) => rankOf(r) >= rankOf(access.min));
  if ("only" in access) return [...access.only];
  return [];
}

export function procedureAccess(path: string): Access | null {
  return Object.hasOwn(PROCEDURE_ACCESS, path) ? PROCEDURE_ACCESS[path as ProcedurePath] : null;
}

export type AccessDecision = { ok: true } | { ok: false; reason: "UNLISTED" | "NOBODY" | "ROLE" | "NOT_A_DEMO"; message: string };

/**
 * Whether a signed-in user with `role` may call the procedure at `path`.
 * Unlisted paths are refused; demo-only paths are refused to every role unless `demo` is true.
 */
export function checkProcedure(path: string, role: Role, opts: { demo?: boolean } = {}): AccessDecision {
  const access = procedureAccess(path);
  if (!access) return { ok: false, reason: "UNLISTED", message: `${path} has no access rule, so nobody may call it (server/domain/access/permissions.ts).` };
  if ("nobody" in access) return { ok: false, reason: "NOBODY", message: access.nobody };
  if (access.demoOnly && !opts.demo) {
    return {
      ok: false,
      reason: "NOT_A_DEMO",
      message: `${path} works only on a demonstration console (QECNET_SEED_DEMO=true, as \`npm run demo\` sets): it injects simulated faults that really revoke keys.`,
    };
  }
  if (rolesAllowed(access).includes(role)) return { ok: true };
  const need = "min" in access ? `the ${access.min} role or higher` : access.why;
  return { ok: false, reason: "ROLE", message: `Your role (${role}) may not do this: ${path} needs ${need}` };
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern === "/" ? "" : pattern.replace(/\[[^\]]+\]/g, "[^/]+");
  return new RegExp(`^${body}/?$`);
}

const PAGE_PATTERNS = Object.entries(PAGE_ACCESS).map(([pattern, access]) => ({ pattern, access, re: patternToRegExp(pattern) }));

/** The page rule for a pathname, or null when no page route matches (Next answers 404; still signed-in only). */
export function pageAccess(pathname: string): { pattern: string; access: Access | "public" } | null {
  const hit = PAGE_PATTERNS.find((p) => p.re.test(pathname));
  return hit ? { pattern: hit.pattern, access: hit.access } : null;
}

/** Whether a signed-in `role` satisfies an entry (demo-only marks do not apply to routes). */
export function admits(access: Access, role: Role): boolean {
  return rolesAllowed(access).includes(role);
}

/** Whether `role` may open a page rule; unknown pages need any signed-in role. */
export function mayOpenPage(access: Access | "public" | null, role: Role | null): boolean {
  if (access === "public") return true;
  if (!role) return false;
  if (access === null) return true;
  return rolesAllowed(access).includes(role);
}
