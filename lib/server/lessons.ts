// Loads lessons from lessons/<NN>-<slug>/: manifest (validated), text in both languages, and the sample files.
import { readdir, readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { manifestSchema, runnableServices } from "../shared/lesson-schema";
import { requestKey } from "../client/progress";
import type { LessonFiles, LoadedLesson } from "../../sandbox/types";

export const LESSONS_ROOT = path.resolve(process.env.PLAYGROUND_LESSONS_DIR ?? path.join(process.cwd(), "lessons"));

const LESSON_DIR_PATTERN = /^(\d{2})-([a-z0-9-]+)$/;
const NOT_SAMPLE_FILES = new Set(["lesson.json", "lesson.zh.md", "lesson.en.md"]);

export interface LessonSummary {
  slug: string;
  order: number;
  section: string;
  title: { zh: string; en: string };
  summary: { zh: string; en: string };
  serviceCount: number;
  /** requestKey() of each distinct suggested request, for the progress checklist. */
  suggested: string[];
}

export class LessonError extends Error {}

async function lessonDirs(root: string): Promise<{ order: number; slug: string; dir: string }[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter(
      (e) => e.isDirectory() && LESSON_DIR_PATTERN.test(e.name) && existsSync(path.join(root, e.name, "lesson.json")),
    )
    .map((e) => {
      const [, order, slug] = LESSON_DIR_PATTERN.exec(e.name)!;
      return { order: Number(order), slug, dir: path.join(root, e.name) };
    })
    .sort((a, b) => a.order - b.order);
}

async function walkFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walkFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile() && !(prefix === "" && NOT_SAMPLE_FILES.has(entry.name))) out.push(rel);
  }
  return out.sort();
}

export async function loadLessonFromDir(dir: string, slug: string): Promise<LoadedLesson> {
  const raw = JSON.parse(await readFile(path.join(dir, "lesson.json"), "utf8"));
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LessonError(`lessons/${path.basename(dir)}/lesson.json is invalid: ${parsed.error.message}`);
  }
  const manifest = parsed.data;
  const files: LessonFiles = {};
  for (const rel of await walkFiles(dir)) files[rel] = await readFile(path.join(dir, rel), "utf8");
  for (const s of manifest.services) {
    if (!Object.keys(files).some((f) => f.startsWith(`${s.dir}/`))) {
      throw new LessonError(`lesson ${slug}: service ${s.name} has no files under ${s.dir}/`);
    }
  }
  for (const f of manifest.kubernetes?.manifests ?? []) {
    if (!(f in files)) throw new LessonError(`lesson ${slug}: kubernetes.manifests names missing file ${f}`);
  }
  for (const [image, dir] of Object.entries(manifest.kubernetes?.images ?? {})) {
    if (!(`${dir}/Dockerfile` in files))
      throw new LessonError(`lesson ${slug}: image ${image} has no ${dir}/Dockerfile`);
  }
  for (const f of manifest.openFiles) {
    if (!(f in files)) throw new LessonError(`lesson ${slug}: openFiles names missing file ${f}`);
  }
  const text = {
    zh: await readFile(path.join(dir, "lesson.zh.md"), "utf8"),
    en: await readFile(path.join(dir, "lesson.en.md"), "utf8"),
  };
  return { slug, dir, manifest, text, files };
}

/**
 * Lessons do not change while a production server runs, and every lesson page lists them all: read once per process
 * (their files, manifests and texts), so a page costs no disk reads while learners' builds keep the disk busy. A dev
 * server and the tests read them afresh each time. A failed read is not kept.
 */
const CACHED = process.env.NODE_ENV === "production";
const cache = new Map<string, Promise<LoadedLesson>>();

function readLesson(dir: string, slug: string): Promise<LoadedLesson> {
  if (!CACHED) return loadLessonFromDir(dir, slug);
  let lesson = cache.get(dir);
  if (!lesson) {
    lesson = loadLessonFromDir(dir, slug);
    cache.set(dir, lesson);
    lesson.catch(() => cache.delete(dir));
  }
  return lesson;
}

export async function listLessons(root = LESSONS_ROOT): Promise<LessonSummary[]> {
  const out: LessonSummary[] = [];
  for (const { order, slug, dir } of await lessonDirs(root)) {
    const lesson = await readLesson(dir, slug);
    const { section, title, summary, requests } = lesson.manifest;
    const serviceCount = runnableServices(lesson.manifest).length;
    const suggested = [...new Set(requests.map(requestKey))];
    out.push({ slug, order, section, title, summary, serviceCount, suggested });
  }
  return out;
}

export async function loadLesson(slug: string, root = LESSONS_ROOT): Promise<LoadedLesson> {
  const found = (await lessonDirs(root)).find((d) => d.slug === slug);
  if (!found) throw new LessonError(`unknown lesson "${slug}"`);
  return readLesson(found.dir, slug);
}

export async function lessonExists(slug: string, root = LESSONS_ROOT): Promise<boolean> {
  try {
    return (await stat(path.join(root))).isDirectory() && (await lessonDirs(root)).some((d) => d.slug === slug);
  } catch {
    return false;
  }
}
