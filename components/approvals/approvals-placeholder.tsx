/**
 * What the approvals page will do, said plainly until it does: no fake
 * requests, no sample data.
 */
import { EmptyState } from "@/components/ui/empty-state";
import { Panel } from "@/components/ui/panel";

const COMING = [
  {
    title: "Two-person approval",
    body: "Revocations and emergency rotations requested by SOC staff wait here for a security officer. Nobody approves their own request, approvers must be distinct, and any misconfiguration fails closed.",
  },
  {
    title: "Live count badge",
    body: "The number of pending requests shows on the navigation, updated live, so approvers see new requests the moment they arrive.",
  },
  {
    title: "Impact preview",
    body: "Before approving, see exactly what happens: which keys are revoked or rotated, which nodes must purge, which links carry the replacements.",
  },
] as const;

export function ApprovalsPlaceholder() {
  return (
    <div className="flex flex-col gap-6" data-testid="approvals-placeholder">
      <EmptyState
        testId="approvals-empty"
        title="No approval requests"
        body="Approvals are not switched on yet. Until they are, revocations and rotations run as soon as an operator confirms them on the key's page, and every one is in the audit log."
      />
      <Panel title="Coming to this page">
        <ul className="grid gap-4 md:grid-cols-3">
          {COMING.map((c) => (
            <li key={c.title} className="rounded-lg border border-line bg-canvas px-4 py-3">
              <h3 className="text-lg font-semibold text-white">{c.title}</h3>
              <p className="mt-1 text-base text-slate-300">{c.body}</p>
            </li>
          ))}
        </ul>
      </Panel>
    </div>
  );
}
