/** Administration: users and roles, approval rules, key policies. */
import type { Metadata } from "next";
import { PoliciesAdmin } from "@/components/admin/policies-admin";
import { RulesAdmin } from "@/components/admin/rules-admin";
import { UsersAdmin } from "@/components/admin/users-admin";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Admin" };

export default function AdminPage() {
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Admin" description="Users, their roles, the approval policy and the key policies. Every change is recorded in the audit log with your name." />
      <UsersAdmin />
      <RulesAdmin />
      <PoliciesAdmin />
    </div>
  );
}
