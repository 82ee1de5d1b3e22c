"use client";
// A draggable divider between two panes; the split is a fraction kept in localStorage.
import { useCallback, useEffect, useState, type KeyboardEvent, type PointerEvent } from "react";
import { writePref } from "@/lib/client/storage";

/** The fraction of the first pane, restored after mount (the server renders the default). */
export function useSplit(key: string, initial: number, min = 0.15, max = 0.85): [number, (f: number) => void] {
  const [fraction, setFraction] = useState(initial);
  useEffect(() => {
    const stored = Number(localStorage.getItem(`gmp:split:${key}`));
    if (stored >= min && stored <= max) setFraction(stored);
  }, [key, min, max]);
  const set = useCallback(
    (f: number) => {
      const clamped = Math.min(max, Math.max(min, f));
      setFraction(clamped);
      writePref(localStorage, `gmp:split:${key}`, clamped.toFixed(3));
    },
    [key, min, max],
  );
  return [fraction, set];
}

export interface SplitterProps {
  /** "columns": a vertical bar between side-by-side panes; "rows": a horizontal bar between stacked panes. */
  direction: "columns" | "rows";
  fraction: number;
  onChange: (fraction: number) => void;
  label: string;
}

export function Splitter({ direction, fraction, onChange, label }: SplitterProps) {
  const [dragging, setDragging] = useState(false);

  function onPointerDown(e: PointerEvent<HTMLDivElement>) {
    const container = e.currentTarget.parentElement;
    if (!container) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    setDragging(true);
    const rect = container.getBoundingClientRect();
    const handle = e.currentTarget;
    // The pane before the handle starts where the container's first child starts (a sidebar may come first).
    const first = handle.previousElementSibling?.getBoundingClientRect();
    const start = direction === "columns" ? (first?.left ?? rect.left) : (first?.top ?? rect.top);
    const end = direction === "columns" ? rect.right : rect.bottom;
    const move = (ev: globalThis.PointerEvent) => {
      const pos = direction === "columns" ? ev.clientX : ev.clientY;
      onChange((pos - start) / (end - start));
    };
    const up = () => {
      setDragging(false);
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const step = e.shiftKey ? 0.1 : 0.02;
    const less = direction === "columns" ? "ArrowLeft" : "ArrowUp";
    const more = direction === "columns" ? "ArrowRight" : "ArrowDown";
    if (e.key === less) onChange(fraction - step);
    else if (e.key === more) onChange(fraction + step);
    else return;
    e.preventDefault();
  }

  return (
    <div
      role="separator"
      aria-orientation={direction === "columns" ? "vertical" : "horizontal"}
      aria-label={label}
      aria-valuenow={Math.round(fraction * 100)}
      aria-valuemin={0}
      aria-valuemax={100}
      tabIndex={0}
      className={`splitter splitter-${direction}${dragging ? " dragging" : ""}`}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
    />
  );
}
