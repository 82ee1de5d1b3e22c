"use client";
// The run's live logs: a tab per service plus "all services" (interleaved, prefixed), and the logs as a file.
import dynamic from "next/dynamic";
import { Fragment, type ReactNode } from "react";
import type { ServiceView } from "@/lib/client/run-state";
import { ALL_PANE, type TerminalBus } from "@/lib/client/terminal-bus";
import { logFileName, plainText } from "@/lib/client/log-lines";
import type { CodeLink } from "@/lib/client/code-links";
import { t, tf, type UiLang } from "@/lib/shared/ui-text";

const TerminalPane = dynamic(() => import("./TerminalPane"), { ssr: false });

export interface LogPanelProps {
  bus: TerminalBus;
  lang: UiLang;
  theme: "dark" | "light";
  slug: string;
  runId: string | null;
  services: ServiceView[];
  /** A service name, or ALL_PANE. */
  active: string;
  onSelect: (pane: string) => void;
  /** Other views beside the logs (the run's traces, its shell): their tabs go first, a pane shows when active. */
  extras?: { id: string; tab: ReactNode; pane: ReactNode; active: boolean }[];
  /** Stops or restarts one service of the live run; absent when no run is live. */
  onServiceAction?: (service: string, action: ServiceAction) => void;
  /** The service whose stop or restart is under way. */
  pendingService?: string | null;
  /** Services without Stop/Restart (a Kubernetes rendition's Services). */
  fixedServices?: string[];
  /** Links from a line of a service's output to the lesson's code. */
  codeLinks?: (service: string, text: string) => CodeLink[];
}

export type ServiceAction = "stop" | "restart";

/** Stop and Restart for the service whose pane is shown, while its run is live. */
function ServiceControls({
  service,
  lang,
  pending,
  onAction,
}: {
  service: ServiceView;
  lang: UiLang;
  pending: boolean;
  onAction: (service: string, action: ServiceAction) => void;
}) {
  const { name, stage } = service;
  const canStop = !pending && stage !== "stopped" && stage !== "failed";
  const canRestart = !pending && stage !== "queued" && stage !== "building";
  return (
    <span className="log-actions" role="group" aria-label={name}>
      <button
        type="button"
        className="log-action"
        onClick={() => onAction(name, "stop")}
        disabled={!canStop}
        aria-label={tf(lang, "stopService", { name })}
        title={t(lang, "stopServiceHint")}
      >
        <span aria-hidden>■</span>
        {t(lang, "stop")}
      </button>
      <button
        type="button"
        className="log-action"
        onClick={() => onAction(name, "restart")}
        disabled={!canRestart}
        aria-label={tf(lang, "restartService", { name })}
        title={t(lang, "restartServiceHint")}
      >
        <span aria-hidden>↻</span>
        {t(lang, "restartShort")}
      </button>
    </span>
  );
}

function download(bus: TerminalBus, slug: string, runId: string | null): void {
  const text = plainText(bus.text(ALL_PANE));
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = logFileName(slug, runId);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function LogPanel({
  bus,
  lang,
  theme,
  slug,
  runId,
  services,
  active,
  onSelect,
  extras = [],
  onServiceAction,
  pendingService,
  fixedServices,
  codeLinks,
}: LogPanelProps) {
  const panes = [ALL_PANE, ...services.map((s) => s.name)];
  return (
    <div className="terminals">
      <div className="terminal-bar">
        <div className="terminal-tabs" role="tablist" aria-label={t(lang, "terminals")}>
          {/* First: with several services the last tabs scroll out of sight. */}
          {extras.map((x) => (
            <Fragment key={x.id}>{x.tab}</Fragment>
          ))}
          <button
            type="button"
            role="tab"
            aria-selected={active === ALL_PANE}
            className="terminal-tab terminal-tab-all"
            onClick={() => onSelect(ALL_PANE)}
          >
            <span aria-hidden>≡</span>
            {t(lang, "allServices")}
          </button>
          {services.map((s) => (
            <button
              key={s.name}
              type="button"
              role="tab"
              aria-selected={s.name === active}
              className={`terminal-tab stage-${s.stage}`}
              onClick={() => onSelect(s.name)}
            >
              <span className="dot" aria-hidden />
              {s.name}
              {s.hostPort ? <span className="muted port">:{s.hostPort}</span> : null}
            </button>
          ))}
        </div>
        {/* Outside the scrolling tab list, so it stays in view however many services there are. */}
        <button
          type="button"
          className="terminal-download"
          onClick={() => download(bus, slug, runId)}
          disabled={runId === null}
          title={t(lang, "downloadLogsHint")}
        >
          <span aria-hidden>⤓</span> {t(lang, "downloadLogs")}
        </button>
      </div>
      <div className="terminal-stack">
        {panes.map((pane) => {
          const service = services.find((s) => s.name === pane);
          return (
            <div key={pane} className="terminal-slot" data-active={pane === active} data-service={pane}>
              <TerminalPane
                bus={bus}
                channel={pane}
                theme={theme}
                lang={lang}
                codeLinks={codeLinks}
                label={pane === ALL_PANE ? t(lang, "allServices") : tf(lang, "serviceOutput", { name: pane })}
                actions={
                  service && onServiceAction && !fixedServices?.includes(service.name) ? (
                    <ServiceControls
                      service={service}
                      lang={lang}
                      pending={pendingService === service.name}
                      onAction={onServiceAction}
                    />
                  ) : undefined
                }
              />
            </div>
          );
        })}
        {extras.map((x) => (
          <div key={x.id} className="terminal-slot" data-active={x.active} data-service={x.id}>
            {x.pane}
          </div>
        ))}
        {runId === null && !extras.some((x) => x.active) && (
          <p className="terminal-empty muted">{t(lang, "pressRun")}</p>
        )}
      </div>
    </div>
  );
}
