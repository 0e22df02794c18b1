"use client";
/** "New key" button that opens the generation form in place, above the list. */
import { useState } from "react";
import { buttonClass } from "@/components/ui/button-styles";
import { Panel } from "@/components/ui/panel";
import { useMayCall } from "@/components/auth/current-user";
import { NewKeyForm } from "./new-key-form";

export function NewKeyPanel() {
  const [open, setOpen] = useState(false);
  // Generating keys is for officers (and admins): others are not offered a button that would be refused.
  const may = useMayCall("keys.create");
  if (!may) return null;
  if (!open) {
    return (
      <button type="button" data-testid="new-key-open" aria-expanded={false} onClick={() => setOpen(true)} className={buttonClass("primary")}>
        New key
      </button>
    );
  }
  return (
    <Panel title="New key" testId="new-key-panel" className="w-full">
      <NewKeyForm onCancel={() => setOpen(false)} />
    </Panel>
  );
}
