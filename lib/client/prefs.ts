// Preferences shared by every client component: kept on <html data-*> (set before paint) and in localStorage.
import { useSyncExternalStore } from "react";
import { PREF_KEYS, writePref } from "./storage";
import { DEFAULT_PREFS, type Prefs } from "../shared/prefs";

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setPref<K extends keyof Prefs>(name: K, value: Prefs[K]): void {
  const root = document.documentElement;
  root.dataset[name] = value;
  if (name === "lang") root.lang = value === "zh" ? "zh-CN" : "en";
  writePref(localStorage, PREF_KEYS[name], value);
  for (const l of listeners) l();
}

export function usePref<K extends keyof Prefs>(name: K): Prefs[K] {
  return useSyncExternalStore(
    subscribe,
    () => (document.documentElement.dataset[name] as Prefs[K] | undefined) ?? DEFAULT_PREFS[name],
    () => DEFAULT_PREFS[name],
  );
}
