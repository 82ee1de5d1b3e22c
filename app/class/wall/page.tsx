// The teacher's wall: every learner of the class as a live card. server.mts lets only the class's teacher reach it.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TopBar } from "@/components/ui/TopBar";
import { ClassWall } from "@/components/class/ClassWall";
import { UI } from "@/lib/shared/ui-text";
import { listLessons } from "@/lib/server/lessons";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "课堂墙 · Class wall" };

export default async function WallPage() {
  // Solo mode has no class and no wall.
  if (process.env.PLAYGROUND_MODE !== "class") notFound();
  const lessons = await listLessons();
  const sections = Object.fromEntries(lessons.map((l) => [l.slug, l.section]));
  return (
    <div className="page">
      <TopBar crumb={UI["class.wallTitle"]} />
      <main className="wall">
        <ClassWall sections={sections} />
      </main>
    </div>
  );
}
