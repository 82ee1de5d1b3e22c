"use client";
// The wall's cards, kept live by the server's "class:wall" (all cards) and "class:card" (one changed) events.
import { useEffect, useState } from "react";
import { getSocket } from "@/lib/client/socket";
import type { WallCard } from "@/lib/shared/class-protocol";
import { UI, tf } from "@/lib/shared/ui-text";
import { Bi } from "../ui/Bi";

/** How often "time since last activity" is redrawn. */
const TICK_MS = 5_000;

async function teacherAction(path: string): Promise<void> {
  await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
}

function ago(at: number, now: number): { zh: string; en: string } {
  const s = Math.max(0, Math.round((now - at) / 1000));
  const key = s < 120 ? "class.secondsAgo" : "class.minutesAgo";
  const n = String(s < 120 ? s : Math.round(s / 60));
  return { zh: tf("zh", key, { n }), en: tf("en", key, { n }) };
}

export function ClassWall({ sections }: { sections: Record<string, string> }) {
  const [cards, setCards] = useState<WallCard[] | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const socket = getSocket();
    const all = (list: WallCard[]) => setCards(list);
    const one = (card: WallCard) =>
      setCards((prev) => {
        const list = prev ?? [];
        const i = list.findIndex((c) => c.learnerId === card.learnerId);
        return i < 0 ? [...list, card] : list.map((c, j) => (j === i ? card : c));
      });
    socket.on("class:wall", all);
    socket.on("class:card", one);
    const tick = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => {
      socket.off("class:wall", all);
      socket.off("class:card", one);
      clearInterval(tick);
    };
  }, []);

  const closeClass = () => {
    if (!window.confirm(tf("en", "class.closeConfirm", {}))) return;
    void teacherAction("/class/api/teacher/close").then(() => window.location.assign("/class/join"));
  };

  return (
    <>
      <div className="wall-head">
        <h1>
          <Bi {...UI["class.wallTitle"]} />
        </h1>
        <button type="button" className="btn btn-small" onClick={closeClass}>
          <Bi {...UI["class.closeClass"]} />
        </button>
      </div>
      {cards && cards.length === 0 && (
        <p className="wall-empty">
          <Bi {...UI["class.noLearners"]} />
        </p>
      )}
      <ul className="wall-cards">
        {(cards ?? []).map((c) => (
          <li key={c.learnerId} className="wall-card" data-testid="wall-card" data-revoked={c.revoked || undefined}>
            <div className="wall-card-head">
              <strong className="wall-name">{c.displayName}</strong>
              <span className={c.online > 0 ? "wall-dot on" : "wall-dot"}>
                <Bi {...UI[c.revoked ? "class.revoked" : c.online > 0 ? "class.online" : "class.offline"]} />
              </span>
            </div>
            <div className="wall-lesson">
              {c.lessonSlug ? (
                <>
                  {sections[c.lessonSlug] ?? ""} <code>{c.lessonSlug}</code>
                  {c.ended && (
                    <span className="wall-ended">
                      {" "}
                      · <Bi {...UI["class.ended"]} />
                    </span>
                  )}
                </>
              ) : (
                <Bi {...UI["class.noRun"]} />
              )}
            </div>
            <ul className="wall-services">
              {c.services.map((s) => (
                <li key={s.name} data-stage={s.stage}>
                  {s.name}: <span className={`stage stage-${s.stage}`}>{s.stage}</span>
                </li>
              ))}
            </ul>
            {c.lastChecks.length > 0 && (
              <ul className="wall-checks" aria-label="last requests">
                {c.lastChecks.map((k) => (
                  <li key={`${k.at}-${k.label}`} data-ok={k.ok}>
                    {k.ok ? "✓" : "✗"} {k.label} → {k.status || "—"}
                  </li>
                ))}
              </ul>
            )}
            <div className="wall-progress">
              <Bi {...UI["class.progress"]} /> {c.lessonsRun.length}/{c.lessonCount}
              <progress value={c.lessonsRun.length} max={c.lessonCount} />
            </div>
            <div className="wall-activity">
              <Bi {...UI["class.lastActive"]} /> <Bi {...ago(c.lastActivityAt, now)} />
            </div>
            {!c.revoked && (
              <div className="wall-actions">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={!c.runId || !!c.ended}
                  onClick={() => void teacherAction(`/class/api/teacher/learners/${c.learnerId}/stop`)}
                >
                  <Bi {...UI["class.stopRun"]} />
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => {
                    if (window.confirm(tf("en", "class.revokeConfirm", { name: c.displayName })))
                      void teacherAction(`/class/api/teacher/learners/${c.learnerId}/revoke`);
                  }}
                >
                  <Bi {...UI["class.revoke"]} />
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
