"use client";
/**
 * Administrators: users with their roles; create a user, change a role, disable or enable. Every change is audited.
 * Officer and admin are granted by two administrators: choosing one raises a role-grant request that another admin approves.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ROLES, ROLE_DESCRIPTIONS, type Role } from "@/server/domain/access/roles";
import { useCurrentUser } from "@/components/auth/current-user";
import { fieldErrors } from "@/components/trpc/api-errors";
import { useTRPC, useTRPCClient } from "@/components/trpc/trpc-context";
import { buttonClass, inputClass } from "@/components/ui/button-styles";
import { ErrorPanel } from "@/components/ui/error-panel";
import { InlineError } from "@/components/ui/inline-error";
import { Panel } from "@/components/ui/panel";
import { SkeletonRows } from "@/components/ui/skeleton-rows";

/** Roles that decide approvals: never set by one administrator (server/users/user-service.ts GRANTED_BY_APPROVAL). */
const NEEDS_SECOND_ADMIN: readonly Role[] = ["officer", "admin"];
const DIRECT_ROLES = ROLES.filter((r) => !NEEDS_SECOND_ADMIN.includes(r));

function CreateUser() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ email: "", name: "", role: "analyst" as Role, password: "" });
  const create = useMutation({
    mutationFn: () => client.users.create.mutate(form),
    onSuccess: () => setForm({ email: "", name: "", role: "analyst", password: "" }),
    onSettled: () => queryClient.invalidateQueries(trpc.users.pathFilter()),
  });
  const errs = create.isError ? fieldErrors(create.error) : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="grid gap-3 md:grid-cols-5" onSubmit={submit} data-testid="create-user" noValidate>
      <input className={inputClass} placeholder="email" aria-label="Email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} aria-invalid={Boolean(errs.email)} data-testid="new-user-email" />
      <input className={inputClass} placeholder="name" aria-label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-invalid={Boolean(errs.name)} data-testid="new-user-name" />
      <select className={inputClass} aria-label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })} data-testid="new-user-role">
        {DIRECT_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <input className={inputClass} type="password" autoComplete="new-password" placeholder="initial password (12+ characters)" aria-label="Initial password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} aria-invalid={Boolean(errs.password)} data-testid="new-user-password" />
      <button type="submit" className={buttonClass("primary")} disabled={create.isPending} data-testid="new-user-submit">{create.isPending ? "Creating…" : "Create user"}</button>
      <div className="md:col-span-5" aria-live="polite">
        {create.isError ? <InlineError message={create.error.message} testId="create-user-error" /> : null}
        {create.isSuccess ? <p className="text-base text-emerald-300">Created {create.data.email} ({create.data.role}).</p> : null}
      </div>
    </form>
  );
}

export function UsersAdmin() {
  const me = useCurrentUser();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const change = useMutation({
    mutationFn: async (c: { userId: string; role?: Role; disabled?: boolean }): Promise<string> => {
      if (c.role && NEEDS_SECOND_ADMIN.includes(c.role)) {
        const justification = window.prompt(`Why should this user become ${c.role}? Another administrator approves the request.`) ?? "";
        const r = await client.users.requestRole.mutate({ userId: c.userId, role: c.role as "officer" | "admin", justification });
        return `Role grant requested (${r.targetLabel}); another administrator decides it under Approvals.`;
      }
      if (c.role) await client.users.setRole.mutate({ userId: c.userId, role: c.role });
      else await client.users.setDisabled.mutate({ userId: c.userId, disabled: c.disabled ?? false });
      return "";
    },
    onSettled: () => queryClient.invalidateQueries(trpc.users.pathFilter()),
  });
  return (
    <Panel title="Users and roles" testId="users-admin">
      <ul className="mb-4 grid gap-1 text-sm text-slate-400 md:grid-cols-2">
        {ROLES.map((r) => <li key={r}><span className="font-semibold text-slate-200">{r}</span>: {ROLE_DESCRIPTIONS[r]}</li>)}
      </ul>
      <CreateUser />
      <div className="mt-5" aria-live="polite">{change.isError ? <InlineError message={change.error.message} testId="user-change-error" /> : null}
        {change.isSuccess && change.data ? <p className="text-base text-emerald-300" data-testid="role-grant-requested">{change.data}</p> : null}</div>
      {users.isPending ? <SkeletonRows rows={4} label="Loading users" /> : users.isError ? (
        <ErrorPanel title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <table className="mt-3 w-full text-left text-base" data-testid="users-table">
          <thead className="text-sm uppercase tracking-wide text-slate-400"><tr><th className="py-2">User</th><th className="py-2">Role</th><th className="py-2">Status</th><th className="py-2" /></tr></thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id} className="border-t border-line" data-testid="user-row" data-email={u.email}>
                <td className="py-2"><span className="font-semibold text-slate-100">{u.name}</span> <span className="font-mono text-sm text-slate-400">{u.email}</span></td>
                <td className="py-2">
                  <select className={inputClass} aria-label={`Role of ${u.email}`} value={u.role} disabled={change.isPending} onChange={(e) => change.mutate({ userId: u.id, role: e.target.value as Role })} data-testid="user-role-select">
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td className="py-2 text-slate-300">{u.disabledAt ? "disabled" : "enabled"}</td>
                <td className="py-2">
                  {u.id === me.id ? <span className="text-sm text-slate-400">you</span> : (
                    <button type="button" className={buttonClass(u.disabledAt ? "neutral" : "danger", "px-3 py-1 text-sm")} disabled={change.isPending} onClick={() => change.mutate({ userId: u.id, disabled: !u.disabledAt })} data-testid="user-toggle">
                      {u.disabledAt ? "Enable" : "Disable"}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
