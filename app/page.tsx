// Home: the chapter's lessons, grouped by section.
import Link from "next/link";
import { listLessons } from "@/lib/server/lessons";
import { TopBar } from "@/components/ui/TopBar";
import { Bi } from "@/components/ui/Bi";
import { LessonCards } from "@/components/lesson/LessonNav";
import { UI } from "@/lib/shared/ui-text";

export const dynamic = "force-dynamic";

export default async function Home() {
  const lessons = await listLessons();
  const first = lessons[0];
  return (
    <div className="page">
      <TopBar />
      <main className="home">
        <div className="hero">
          <p className="eyebrow">
            <Bi {...UI.chapter} />
          </p>
          <h1>
            <Bi {...UI.heroTitle} />
          </h1>
          <p className="hero-text">
            <Bi {...UI.intro} />
          </p>
          {first && (
            <Link href={`/lessons/${first.slug}`} className="btn btn-run btn-large">
              <Bi {...UI.start} /> · {first.section}
            </Link>
          )}
        </div>
        <LessonCards lessons={lessons} />
      </main>
    </div>
  );
}
