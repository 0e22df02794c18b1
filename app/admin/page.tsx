/** Administration: users and roles, approval rules, key policies, the applications (ETSI 014 SAEs). */
import type { Metadata } from "next";
import { ApplicationsAdmin } from "@/components/admin/applications-admin";
import { PoliciesAdmin } from "@/components/admin/policies-admin";
import { RulesAdmin } from "@/components/admin/rules-admin";
import { UsersAdmin } from "@/components/admin/users-admin";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Admin" };

export default function AdminPage() {
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Admin" description="Users, their roles, the approval policy, the key policies and the applications that take keys over ETSI 014. Every change is recorded in the audit log with your name." />
      <UsersAdmin />
      <RulesAdmin />
      <PoliciesAdmin />
      <ApplicationsAdmin />
    </div>
  );
}
