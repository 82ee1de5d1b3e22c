"use client";
// The learner's progress on the page: a ✓ beside lessons already run, and the summary lesson's checklist.
import Link from "next/link";
import type { LessonSummary } from "@/lib/server/lessons";
import { useProgress } from "@/lib/client/progress-hooks";
import { suggestionsTried, type LessonProgress } from "@/lib/client/progress";
import { UI, t, tf, type UiKey } from "@/lib/shared/ui-text";
import { usePref } from "@/lib/client/prefs";
import { Bi } from "@/components/ui/Bi";

/** A ✓ when the lesson's services have run; an empty box of the same width before that (and on the server). */
export function RanMark({ slug }: { slug: string }) {
  const progress = useProgress();
  const ran = (progress?.[slug]?.runs ?? 0) > 0;
  return (
    <span className="ran-mark" data-ran={ran || undefined} title={ran ? UI.ranMark.en : undefined}>
      {ran ? <span aria-label={UI.ranMark.en}>✓</span> : null}
    </span>
  );
}

function when(at: number, lang: "zh" | "en"): string {
  return new Date(at).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The one thing to do next in a lesson, or none when everything on the list is done. */
export function nextStep(l: LessonSummary, p: LessonProgress | undefined): UiKey | null {
  if (l.serviceCount === 0) return null;
  if (!p || p.runs === 0) return "nextRun";
  const tried = suggestionsTried(p, l.suggested);
  if (l.suggested.length > 0 && tried === 0) return "nextRequest";
  if (!p.edited) return "nextEdit";
  if (tried < l.suggested.length) return "nextMoreRequests";
  return null;
}

/** Every lesson but the summary, with what this browser saw the learner do in it. */
export function ProgressChecklist({ lessons }: { lessons: LessonSummary[] }) {
  const progress = useProgress();
  const lang = usePref("lang");
  const runnable = lessons.filter((l) => l.serviceCount > 0);
  const ranCount = progress ? runnable.filter((l) => (progress[l.slug]?.runs ?? 0) > 0).length : 0;
  return (
    <section className="progress" aria-labelledby="progress-title" data-loaded={progress !== null || undefined}>
      <h2 id="progress-title" className="progress-title">
        <Bi {...UI.progressTitle} />
        <span className="progress-count" aria-label={t(lang, "progressLessonsRun")}>
          {ranCount} / {runnable.length}
        </span>
      </h2>
      <p className="progress-intro muted">
        <Bi {...UI.progressIntro} />
      </p>
      <ul className="progress-list">
        {lessons.map((l) => {
          const p = progress?.[l.slug];
          const ran = (p?.runs ?? 0) > 0;
          // Before mount this is the empty state's hint, so filling in rarely changes a row's height.
          const step = nextStep(l, p);
          const tried = suggestionsTried(p, l.suggested);
          return (
            <li key={l.slug} className="progress-item" data-slug={l.slug} data-ran={ran || undefined}>
              <span
                className="progress-check"
                role="img"
                aria-label={t(
                  lang,
                  l.serviceCount === 0 ? "progressCheckReading" : ran ? "progressCheckRan" : "progressCheckNotRun",
                )}
              >
                {l.serviceCount === 0 ? "–" : ran ? "✓" : ""}
              </span>
              <div className="progress-body">
                <Link href={`/lessons/${l.slug}`} className="progress-link">
                  <span className="section-no">{l.section}</span> <Bi {...l.title} />
                </Link>
                {l.serviceCount === 0 ? (
                  <div className="progress-facts muted">
                    <Bi {...UI.progressReadOnly} />
                  </div>
                ) : (
                  <div className="progress-facts muted">
                    <span data-fact="runs">
                      <Bi
                        zh={tf("zh", "progressRunsCount", { n: String(p?.runs ?? 0) })}
                        en={
                          p?.runs === 1
                            ? t("en", "progressRunOnce")
                            : tf("en", "progressRunsCount", { n: String(p?.runs ?? 0) })
                        }
                      />
                    </span>
                    <span data-fact="requests">
                      {l.suggested.length > 0 ? (
                        <>
                          {tried} / {l.suggested.length} <Bi {...UI.progressRequests} />
                        </>
                      ) : (
                        <>
                          {p?.requests ?? 0} <Bi {...UI.progressRequestsSent} />
                        </>
                      )}
                    </span>
                    <span data-fact="edited">
                      <Bi {...(p?.edited ? UI.progressEdited : UI.progressNotEdited)} />
                    </span>
                    <span data-fact="last-run">
                      {p?.lastRunAt ? (
                        <>
                          <Bi {...UI.progressLastRun} />{" "}
                          <Bi zh={when(p.lastRunAt, "zh")} en={when(p.lastRunAt, "en")} />
                        </>
                      ) : (
                        <Bi {...UI.progressNever} />
                      )}
                    </span>
                  </div>
                )}
                {step && (
                  <div className="progress-next">
                    <Bi {...UI[step]} />
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
