// The chapter's lessons grouped by section (16.1 … 16.10), as a sidebar or as the home page's list.
import Link from "next/link";
import type { LessonSummary } from "@/lib/server/lessons";
import { SECTIONS, UI, majorSection } from "@/lib/shared/ui-text";
import { Bi, BiLabel } from "@/components/ui/Bi";
import { RanMark } from "./ProgressMarks";

export function groupBySection(lessons: LessonSummary[]): { section: string; lessons: LessonSummary[] }[] {
  const groups = new Map<string, LessonSummary[]>();
  for (const l of lessons) {
    const key = majorSection(l.section);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const minor = (s: string) => Number(s.split(".")[1]);
  return [...groups.entries()]
    .sort((a, b) => minor(a[0]) - minor(b[0]))
    .map(([section, ls]) => ({ section, lessons: ls }));
}

export function LessonSidebar({ lessons, current }: { lessons: LessonSummary[]; current?: string }) {
  return (
    <nav className="sidebar" aria-labelledby="sidebar-label">
      <BiLabel id="sidebar-label" {...UI.lessons} />
      <div className="sidebar-title">
        <Bi {...UI.chapter} />
      </div>
      {groupBySection(lessons).map((g) => (
        <div key={g.section} className="sidebar-group">
          <div className="sidebar-section">
            <span className="section-no">{g.section}</span>
            {SECTIONS[g.section] && <Bi {...SECTIONS[g.section]} />}
          </div>
          <ul>
            {g.lessons.map((l) => (
              <li key={l.slug}>
                <Link
                  href={`/lessons/${l.slug}`}
                  className="sidebar-link"
                  aria-current={l.slug === current ? "page" : undefined}
                >
                  <span className="section-no">{l.section}</span>
                  <span className="sidebar-link-title">
                    <Bi {...l.title} />
                  </span>
                  {l.serviceCount > 0 && <RanMark slug={l.slug} />}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

export function LessonCards({ lessons }: { lessons: LessonSummary[] }) {
  return (
    <div className="lesson-groups">
      {groupBySection(lessons).map((g) => (
        <section key={g.section} className="lesson-group" aria-labelledby={`section-${g.section}`}>
          <h2 id={`section-${g.section}`}>
            <span className="section-no">{g.section}</span>
            {SECTIONS[g.section] ? <Bi {...SECTIONS[g.section]} /> : null}
          </h2>
          <div className="lesson-cards">
            {g.lessons.map((l) => (
              <Link key={l.slug} href={`/lessons/${l.slug}`} className="lesson-card">
                <span className="lesson-card-head">
                  <span className="section-no">{l.section}</span>
                  {l.serviceCount > 0 && <RanMark slug={l.slug} />}
                  <span className="lesson-card-services">
                    {l.serviceCount > 0 ? (
                      <>
                        {l.serviceCount} <Bi {...UI.services} />
                      </>
                    ) : (
                      <Bi {...UI.noServices} />
                    )}
                  </span>
                </span>
                <span className="lesson-card-title">
                  <Bi {...l.title} />
                </span>
                <span className="lesson-card-summary">
                  <Bi {...l.summary} />
                </span>
              </Link>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
