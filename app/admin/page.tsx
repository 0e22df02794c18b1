/** Administration: users and roles, approval rules. */
import type { Metadata } from "next";
import { RulesAdmin } from "@/components/admin/rules-admin";
import { UsersAdmin } from "@/components/admin/users-admin";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Admin" };

export default function AdminPage() {
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Admin" description="Users, their roles, and the approval policy. Every change is recorded in the audit log with your name." />
      <UsersAdmin />
      <RulesAdmin />
    </div>
  );
}
