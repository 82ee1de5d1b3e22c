"use client";
// Faults on the run's links, beside the service map: pick a link (here or by clicking its arrow on the map), add
// latency and jitter, a bandwidth limit, a timeout or a connection reset, see what is in force, take it off.
import { useState } from "react";
import { describeFault, type Fault, type FaultType, type Link, type LinkState } from "@/lib/shared/faults";
import { t, type UiLang } from "@/lib/shared/ui-text";
import type { FaultsControl } from "@/components/run/hooks/useFaults";

export const linkKey = (l: Link) => `${l.from}→${l.to}`;

/** Each fault's fields, their defaults and bounds (the server checks them again). */
const FIELDS: Record<FaultType, { key: string; label: Parameters<typeof t>[1]; initial: number; max: number }[]> = {
  latency: [
    { key: "latencyMs", label: "faults.latencyMs", initial: 800, max: 60_000 },
    { key: "jitterMs", label: "faults.jitterMs", initial: 0, max: 60_000 },
  ],
  bandwidth: [{ key: "rateKBps", label: "faults.rateKBps", initial: 1, max: 1_000_000 }],
  timeout: [{ key: "timeoutMs", label: "faults.timeoutMs", initial: 0, max: 600_000 }],
  reset: [{ key: "afterMs", label: "faults.afterMs", initial: 0, max: 600_000 }],
};
const TYPES = Object.keys(FIELDS) as FaultType[];

export function FaultPanel(props: {
  lang: UiLang;
  faults: FaultsControl;
  selected: string | null;
  onSelect: (key: string) => void;
}) {
  const { lang, faults, onSelect } = props;
  const links = faults.links ?? [];
  const current = links.find((l) => linkKey(l) === props.selected) ?? links[0];
  const [type, setType] = useState<FaultType>("latency");
  const [values, setValues] = useState<Record<string, string>>({});
  if (!current) return null;

  const value = (f: (typeof FIELDS)[FaultType][number]) => values[f.key] ?? String(f.initial);
  const fault = (): Fault | null => {
    const out: Record<string, unknown> = { type };
    for (const f of FIELDS[type]) {
      const n = Number(value(f));
      if (!Number.isInteger(n) || n < 0 || n > f.max) return null;
      out[f.key] = n;
    }
    return out as Fault;
  };
  const ready = fault();

  return (
    <section className="fault-panel" aria-label={t(lang, "faults.title")} data-link={linkKey(current)}>
      <header className="wf-head">
        <span className="wf-title">
          <strong>{t(lang, "faults.title")}</strong>
          <span className="muted">Toxiproxy</span>
        </span>
        <button
          type="button"
          className="btn btn-ghost btn-small"
          disabled={faults.pending}
          onClick={() => void faults.refresh()}
        >
          {t(lang, "faults.refresh")}
        </button>
      </header>
      <p className="muted fault-intro">{t(lang, "faults.intro")}</p>
      <ul className="fault-links" aria-label={t(lang, "faults.links")}>
        {links.map((l) => (
          <li key={linkKey(l)}>
            <button
              type="button"
              className="fault-link"
              aria-pressed={l === current}
              data-link={linkKey(l)}
              data-faults={l.faults.length}
              onClick={() => onSelect(linkKey(l))}
            >
              {l.from} → {l.to}
            </button>
            <span className="fault-active" data-active={l.faults.length > 0 || undefined}>
              {!l.enabled && <span className="fault-chip fault-cut">{t(lang, "faults.disabled")}</span>}
              {l.faults.length === 0 && l.enabled && <span className="muted">{t(lang, "faults.none")}</span>}
              {l.faults.map((f) => (
                <span key={f.name} className="fault-chip" data-fault={f.name}>
                  {describeFault(f)}
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    data-action="remove-fault"
                    aria-label={`${t(lang, "faults.remove")} ${describeFault(f)}`}
                    disabled={faults.pending}
                    onClick={() => void faults.remove(l, f.name)}
                  >
                    ×
                  </button>
                </span>
              ))}
            </span>
          </li>
        ))}
      </ul>
      <form
        className="fault-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void faults.add(current, ready);
        }}
      >
        <span className="muted">
          {current.from} → {current.to}
        </span>
        <label>
          {t(lang, "faults.type")}{" "}
          <select name="type" value={type} onChange={(e) => setType(e.target.value as FaultType)}>
            {TYPES.map((k) => (
              <option key={k} value={k}>
                {t(lang, `faults.${k}` as const)}
              </option>
            ))}
          </select>
        </label>
        {FIELDS[type].map((f) => (
          <label key={f.key}>
            {t(lang, f.label)}{" "}
            <input
              name={f.key}
              type="number"
              min={0}
              max={f.max}
              step={1}
              value={value(f)}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" className="btn btn-small" data-action="add-fault" disabled={!ready || faults.pending}>
          {t(lang, "faults.add")}
        </button>
      </form>
      <p className="muted fault-note">{t(lang, "faults.answersNote")}</p>
      {faults.error && (
        <p className="fault-error" role="alert">
          {faults.error.message}
          {faults.error.hint ? ` ${faults.error.hint}` : ""}
        </p>
      )}
    </section>
  );
}

/** Links with a fault in force, by key: the map draws their arrows as faulty. */
export function faultyLinks(links: LinkState[] | undefined): Set<string> {
  return new Set((links ?? []).filter((l) => l.faults.length > 0 || !l.enabled).map(linkKey));
}
