/** Any unknown address inside the console. */
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";

export default function NotFound() {
  return (
    <EmptyState
      testId="not-found"
      title="Page not found"
      body="There is nothing at this address in the QECNet console."
      action={<Link href="/mesh" className="font-semibold text-sky-300 underline underline-offset-4 hover:text-sky-200">Go to the mesh</Link>}
    />
  );
}
