// A lesson: its text (Chinese or English) beside a workspace with its files, services and requests.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import Link from "next/link";
import { LessonError, listLessons, loadLesson } from "@/lib/server/lessons";
import { liveFileMap, runnableServices } from "@/lib/shared/lesson-schema";
import { TopBar } from "@/components/ui/TopBar";
import { Bi, BiLabel } from "@/components/ui/Bi";
import { LessonSidebar } from "@/components/lesson/LessonNav";
import { Markdown } from "@/components/lesson/Markdown";
import { LessonSplit } from "@/components/lesson/LessonSplit";
import { Workspace } from "@/components/run/Workspace";
import { ProgressChecklist } from "@/components/lesson/ProgressMarks";
import { UI } from "@/lib/shared/ui-text";

export const dynamic = "force-dynamic";

/** The chapter's last lesson reviews the others: it shows the learner's checklist above its text. */
const SUMMARY_SLUG = "summary";

type Params = { params: Promise<{ slug: string }> };

async function load(slug: string) {
  try {
    return await loadLesson(slug);
  } catch (err) {
    if (err instanceof LessonError) notFound();
    throw err;
  }
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { slug } = await params;
  const lesson = await load(slug);
  return { title: `${lesson.manifest.section} ${lesson.manifest.title.zh} · ${lesson.manifest.title.en}` };
}

export default async function LessonPage({ params }: Params) {
  const { slug } = await params;
  const [lesson, lessons] = await Promise.all([load(slug), listLessons()]);
  const { manifest } = lesson;
  const index = lessons.findIndex((l) => l.slug === slug);
  const prev = lessons[index - 1];
  const next = lessons[index + 1];
  const hasFiles = Object.keys(lesson.files).length > 0;

  const text = (
    <article className="lesson-text" aria-label={manifest.title.en}>
      {slug === SUMMARY_SLUG && <ProgressChecklist lessons={lessons.filter((l) => l.slug !== slug)} />}
      <div className="lesson-lang zh" lang="zh-CN">
        <Markdown source={lesson.text.zh} lang="zh" />
      </div>
      <div className="lesson-lang en" lang="en">
        <Markdown source={lesson.text.en} lang="en" />
      </div>
      <nav className="lesson-pager" aria-labelledby="pager-label">
        <BiLabel id="pager-label" {...UI.lessonPages} />
        {prev ? (
          <Link href={`/lessons/${prev.slug}`} className="pager-link">
            <span className="muted">
              ← <Bi {...UI.previous} />
            </span>
            <span>
              {prev.section} <Bi {...prev.title} />
            </span>
          </Link>
        ) : (
          <span />
        )}
        {next && (
          <Link href={`/lessons/${next.slug}`} className="pager-link pager-next">
            <span className="muted">
              <Bi {...UI.next} /> →
            </span>
            <span>
              {next.section} <Bi {...next.title} />
            </span>
          </Link>
        )}
      </nav>
    </article>
  );

  return (
    <div className="page page-lesson">
      <TopBar
        withSidebar
        crumb={{ zh: `${manifest.section} ${manifest.title.zh}`, en: `${manifest.section} ${manifest.title.en}` }}
      />
      <div className="lesson-layout">
        <LessonSidebar lessons={lessons} current={slug} />
        {hasFiles ? (
          <LessonSplit
            text={text}
            workspace={
              <Workspace
                slug={slug}
                originals={lesson.files}
                openFiles={manifest.openFiles}
                services={runnableServices(manifest)}
                requests={manifest.requests}
                liveFiles={liveFileMap(manifest)}
                renderedServices={manifest.kubernetes?.services}
                serviceDirs={Object.fromEntries(manifest.services.map((s) => [s.name, s.dir]))}
                traces={manifest.services.some((s) => s.command?.[0] === "playground-collector")}
              />
            }
          />
        ) : (
          <div className="lesson-solo">{text}</div>
        )}
      </div>
    </div>
  );
}
