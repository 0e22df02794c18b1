/**
 * Users and roles: create (with better-auth's password hashing), change role,
 * disable or enable, sign out everywhere. Each is one job of the transition
 * runner: the row change and its audit entry commit together. Refuses to leave
 * the console without an enabled administrator.
 *
 * Granting a role that decides requests (officer, admin) is itself a
 * two-person action (issue 12, finding 3): a person's own action may create an
 * account or lower a role, but officer and admin are granted only through a
 * ROLE_GRANT approval decided by a second administrator (grantApproved). Each
 * account records who created it and who asked for and approved its role, so
 * the approval rules can refuse the votes of accounts the requester controls.
 * Only the system (the demo seed, `npm run user:create` on the host) creates
 * officers and admins directly: it bootstraps the first administrator.
 */
import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import type pg from "pg";
import type { Role } from "../domain/access/roles";
import { actorOf } from "../auth/auth-audit";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors/domain-error";
import type { TransitionRunner } from "../commit/transition-runner";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabledAt: Date | null;
  createdAt: Date;
}

/** Roles that decide approval requests: granted only through a ROLE_GRANT approval. */
export const GRANTED_BY_APPROVAL: readonly Role[] = ["officer", "admin"];

const isSystem = (who: { actor: string }) => who.actor.startsWith("system:");

function refuseDirectGrant(role: Role): never {
  throw new DomainError(
    "NOT_PERMITTED",
    `The ${role} role decides approvals, so granting it takes two administrators: create the account as viewer or analyst, then request the ${role} role (Users → Request role); another administrator approves it.`,
  );
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

interface Change {
  action: string;
  from: string;
  to: string;
  set: { role?: Role; grantedBy?: string | null; approvedBy?: string | null; disabled?: boolean };
  dropSessions: boolean;
  details?: Record<string, string>;
}

interface DbUser { id: string; email: string; name: string; role: Role; disabled_at: Date | null }

async function readUser(client: pg.ClientBase, id: string): Promise<DbUser | null> {
  const { rows } = await client.query<DbUser>("SELECT id, email, name, role, disabled_at FROM users WHERE id = $1", [id]);
  return rows[0] ?? null;
}

async function enabledAdmins(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL");
  return Number(rows[0]!.n);
}

export class UserService {
  constructor(
    private readonly db: Db,
    private readonly runner: TransitionRunner,
  ) {}

  async list(): Promise<UserRow[]> {
    const rows = await this.db.user.findMany({
      orderBy: [{ role: "asc" }, { email: "asc" }],
      select: { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true },
    });
    return rows as UserRow[];
  }

  /** `who.actor` is recorded; "system:…" actors are used by user:create and the demo seed. */
  async create(input: NewUser, who: { actor: string; userId?: string }): Promise<UserRow> {
    if (GRANTED_BY_APPROVAL.includes(input.role) && !isSystem(who)) refuseDirectGrant(input.role);
    const email = input.email.trim().toLowerCase();
    const hash = await hashPassword(input.password);
    const id = randomUUID();
    let taken = false;
    return this.runner.submit({
      keyIds: [],
      load: async (c) => {
        taken = (await c.query("SELECT 1 FROM users WHERE email = $1", [email])).rowCount! > 0;
      },
      run: (ws) => {
        if (taken) throw new DomainError("USER_EXISTS", `A user with the email ${email} already exists.`);
        ws.audit({
          actor: who.actor, action: "USER_CREATED", subjectType: "user", subjectId: id, fromState: null, toState: input.role,
          details: { email, name: input.name, role: input.role },
        });
        return { id, email, name: input.name, role: input.role, disabledAt: null, createdAt: ws.now };
      },
      write: async (c, u) => {
        await c.query("INSERT INTO users (id, name, email, role, created_at, updated_at, created_by_id) VALUES ($1, $2, $3, $4, $5, $5, $6)", [u.id, u.name, u.email, u.role, u.createdAt, who.userId ?? null]);
        await c.query(
          "INSERT INTO user_accounts (id, account_id, provider_id, user_id, password, created_at, updated_at) VALUES ($1, $2, 'credential', $2, $3, $4, $4)",
          [randomUUID(), u.id, hash, u.createdAt],
        );
      },
    });
  }

  /** Lowers a role (or, for the system, sets any). Officer and admin need a ROLE_GRANT approval. */
  async setRole(userId: string, role: Role, who: { actor: string; userId?: string }): Promise<UserRow> {
    if (GRANTED_BY_APPROVAL.includes(role) && !isSystem(who)) refuseDirectGrant(role);
    return this.change(userId, who, (u, admins) => {
      if (u.role === role) throw new DomainError("INVALID_INPUT", `${u.email} already has the ${role} role.`);
      if (u.role === "admin" && !u.disabled_at && admins <= 1) {
        throw new DomainError("NOT_PERMITTED", `${u.email} is the only enabled administrator; make someone else admin first.`);
      }
      return { action: "USER_ROLE_CHANGED", from: u.role, to: role, set: { role, grantedBy: who.userId ?? null, approvedBy: null }, dropSessions: false };
    });
  }

  /**
   * Carries out an approved ROLE_GRANT: `requesterId` asked, `approverId` approved.
   * Idempotent (it runs again after a restart): a user who already holds the role is left as is.
   */
  async grantApproved(userId: string, role: Role, g: { requestId: string; requesterId: string; approverId: string; actor: string }): Promise<UserRow> {
    return this.change(userId, { actor: g.actor }, (u) => {
      if (u.disabled_at) throw new DomainError("NOT_PERMITTED", `${u.email} was disabled after the request; the ${role} role is not granted.`);
      if (u.role === role) return null;
      return { action: "USER_ROLE_GRANTED", from: u.role, to: role, set: { role, grantedBy: g.requesterId, approvedBy: g.approverId }, dropSessions: false, details: { requestId: g.requestId } };
    });
  }

  async setDisabled(userId: string, disabled: boolean, who: { actor: string; userId?: string }): Promise<UserRow> {
    return this.change(userId, who, (u, admins) => {
      if (who.userId === userId && disabled) throw new DomainError("NOT_PERMITTED", "You cannot disable your own account.");
      if (Boolean(u.disabled_at) === disabled) throw new DomainError("INVALID_INPUT", `${u.email} is already ${disabled ? "disabled" : "enabled"}.`);
      if (disabled && u.role === "admin" && admins <= 1) {
        throw new DomainError("NOT_PERMITTED", `${u.email} is the only enabled administrator; make someone else admin first.`);
      }
      return { action: disabled ? "USER_DISABLED" : "USER_ENABLED", from: disabled ? "enabled" : "disabled", to: disabled ? "disabled" : "enabled", set: { disabled }, dropSessions: disabled };
    });
  }

  /** Ends every session of the user (all browsers, all devices). */
  async signOutEverywhere(user: { id: string; email: string }): Promise<{ sessionsEnded: number }> {
    let sessions = 0;
    return this.runner.submit({
      keyIds: [],
      load: async (c) => {
        sessions = (await c.query("SELECT 1 FROM user_sessions WHERE user_id = $1", [user.id])).rowCount ?? 0;
      },
      run: (ws) => {
        ws.audit({ actor: actorOf(user.email), action: "USER_SIGNED_OUT_EVERYWHERE", subjectType: "user", subjectId: user.id, fromState: null, toState: null, details: { email: user.email, sessionsEnded: sessions } });
        return { sessionsEnded: sessions };
      },
      write: async (c) => {
        await c.query("DELETE FROM user_sessions WHERE user_id = $1", [user.id]);
      },
    });
  }

  private async change(
    userId: string,
    who: { actor: string },
    decide: (u: DbUser, enabledAdmins: number) => Change | null,
  ): Promise<UserRow> {
    let u: DbUser | null = null;
    let admins = 0;
    const changed = await this.runner.submit({
      keyIds: [],
      load: async (c) => {
        u = await readUser(c, userId);
        admins = await enabledAdmins(c);
      },
      run: (ws) => {
        const cur = u as DbUser | null;
        if (!cur) throw new DomainError("USER_NOT_FOUND", `User ${userId} does not exist.`);
        const d = decide(cur, admins);
        if (!d) return null;
        ws.audit({ actor: who.actor, action: d.action, subjectType: "user", subjectId: cur.id, fromState: d.from, toState: d.to, details: { email: cur.email, ...d.details } });
        return { ...d, now: ws.now };
      },
      write: async (c, d) => {
        if (!d) return;
        if (d.set.role) {
          await c.query("UPDATE users SET role = $2, updated_at = $3, role_granted_by_id = $4, role_approved_by_id = $5, role_granted_at = $3 WHERE id = $1", [
            userId, d.set.role, d.now, d.set.grantedBy ?? null, d.set.approvedBy ?? null,
          ]);
        }
        if (d.set.disabled !== undefined) await c.query("UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1", [userId, d.set.disabled ? d.now : null, d.now]);
        if (d.dropSessions) await c.query("DELETE FROM user_sessions WHERE user_id = $1", [userId]);
      },
    });
    void changed;
    const row = await this.db.user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true } });
    return row as UserRow;
  }
}
