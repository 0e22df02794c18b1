"use client";
/** Copies a value (a fingerprint, a key id) to the clipboard and says so. */
import { useState } from "react";
import { buttonClass } from "./button-styles";

export function CopyButton({ value, label = "Copy", testId = "copy" }: { value: string; label?: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2_000);
  }

  return (
    <button type="button" onClick={copy} className={buttonClass("neutral", "px-3 py-1 text-sm")} data-testid={testId}>
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}</span>
    </button>
  );
}
