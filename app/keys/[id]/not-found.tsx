/** 404 for a key address that cannot be a key. */
import { KeyNotFound } from "@/components/key-detail/key-detail-view";

export default function KeyNotFoundPage() {
  return <KeyNotFound />;
}
