"use client";
/**
 * The checkpoint public key this browser trusts. Pinned once (from the README,
 * a colleague, or the first visit) and kept in localStorage, so a server that
 * later swaps its key cannot make its own signatures look valid here.
 */
import { useCallback, useSyncExternalStore } from "react";

const STORAGE_KEY = "qecnet.audit.pinnedPublicKey";
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function usePinnedKey(): { pinned: string | null; pin: (key: string | null) => void } {
  const pinned = useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    read,
    () => null,
  );
  const pin = useCallback((key: string | null) => {
    try {
      if (key) window.localStorage.setItem(STORAGE_KEY, key);
      else window.localStorage.removeItem(STORAGE_KEY);
    } finally {
      listeners.forEach((l) => l());
    }
  }, []);
  return { pinned, pin };
}
