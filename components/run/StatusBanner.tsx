"use client";
// What stands between the learner and a run: no connection, no Docker, the image being built, the queue, an error.
import type { ServerState } from "@/lib/client/socket";
import type { RunView } from "@/lib/client/run-state";
import type { ProtocolError } from "@/lib/shared/socket-protocol";
import { t, type UiLang } from "@/lib/shared/ui-text";

export interface StatusBannerProps {
  lang: UiLang;
  server: ServerState;
  view: RunView;
  notice: ProtocolError | null;
  onDismiss: () => void;
  /** The lesson runs on the Kubernetes cluster: its state is shown until it is ready. */
  needsCluster?: boolean;
}

export function StatusBanner({ lang, server, view, notice, onDismiss, needsCluster }: StatusBannerProps) {
  const engine = server.status?.engine;
  const image = server.status?.image;
  const cluster = needsCluster ? server.status?.cluster : undefined;
  return (
    <div className="banners">
      {server.connected === false && (
        <div className="banner banner-warn" role="status">
          {t(lang, "disconnected")}
        </div>
      )}
      {engine?.state === "unreachable" && (
        <div className="banner banner-error" role="alert" data-testid="engine-down">
          <strong>{t(lang, "engineDown")}</strong>
          <span>{t(lang, "engineDownBody")}</span>
          <span className="banner-detail">{engine.message}</span>
          <span className="banner-fix">
            {t(lang, "howToFix")}: <code>{engine.hint}</code>
          </span>
        </div>
      )}
      {image?.state === "preparing" && server.imageLines.length > 0 && (
        <div className="banner banner-info" role="status">
          <strong>
            <span className="spinner" aria-hidden /> {t(lang, "imagePreparing")}
          </strong>
          <pre className="banner-log">{server.imageLines.slice(-6).join("\n")}</pre>
        </div>
      )}
      {image?.state === "failed" && (
        <div className="banner banner-error" role="alert">
          <strong>{t(lang, "imageFailed")}</strong>
          <span className="banner-detail">{image.message}</span>
          {image.hint && <span className="banner-fix">{image.hint}</span>}
        </div>
      )}
      {cluster?.state === "starting" && (
        <div className="banner banner-info" role="status" data-testid="cluster-starting">
          <strong>
            <span className="spinner" aria-hidden /> {t(lang, "clusterStarting")}
          </strong>
          <pre className="banner-log">{cluster.progress.join("\n")}</pre>
        </div>
      )}
      {cluster?.state === "absent" && (
        <div className="banner banner-warn" role="status" data-testid="cluster-absent">
          <strong>{t(lang, "clusterAbsent")}</strong>
          <span className="banner-detail">{cluster.detail}</span>
        </div>
      )}
      {view.queuePosition !== undefined && (
        <div className="banner banner-info" role="status">
          {t(lang, "queued")} {view.queuePosition}
        </div>
      )}
      {notice && (
        <div className="banner banner-error" role="alert">
          <strong>{notice.message}</strong>
          {notice.hint && <span className="banner-fix">{notice.hint}</span>}
          <button type="button" className="banner-close" onClick={onDismiss} aria-label={t(lang, "dismiss")}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
