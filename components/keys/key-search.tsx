"use client";
/** The key search box: label, purpose, fingerprint or id; sends its value after a short pause in typing. */
import { useEffect, useRef, useState } from "react";
import { inputClass } from "@/components/ui/button-styles";

const DEBOUNCE_MS = 300;

export function KeySearch({ initial, onSearch }: { initial: string; onSearch: (q: string) => void }) {
  const [value, setValue] = useState(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  function change(next: string) {
    setValue(next);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => onSearch(next), DEBOUNCE_MS);
  }

  return (
    <div className="flex w-full max-w-xl flex-col gap-1">
      <label htmlFor="key-search" className="text-sm font-semibold text-slate-300">
        Search keys
      </label>
      <input
        id="key-search"
        type="search"
        data-testid="key-search"
        value={value}
        onChange={(e) => change(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            if (timer.current) clearTimeout(timer.current);
            onSearch(value);
          }
        }}
        placeholder="Label, purpose, fingerprint or key id"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        className={inputClass}
      />
    </div>
  );
}
