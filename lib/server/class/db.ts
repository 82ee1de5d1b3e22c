// Class mode's database: embedded SQLite (better-sqlite3) in a file under the data directory, migrated on open.
//
// better-sqlite3 is a maintained driver over the real SQLite library, compiled into the package at install (its
// prebuilt binary is fetched from GitHub, which may be unreachable; npm then builds it from source with the Node
// headers Debian's nodejs ships). It writes in place with SQLite's own journal (WAL), so a crash never leaves a
// half-written file, unlike a WASM build that would have to rewrite the whole file on each change.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type ClassDb = Database.Database;

const MIGRATIONS_DIR = path.join(import.meta.dirname, "migrations");

/** The migrations in the repository, in order: `NNN-name.sql`, where NNN is the schema version it brings. */
export function migrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(path.join(MIGRATIONS_DIR, f), "utf8") }));
}

/** Applies every migration newer than the file's `user_version`, each in its own transaction. */
export function migrate(db: ClassDb): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  let version = current;
  for (const m of migrations()) {
    if (m.version <= version) continue;
    if (m.version !== version + 1) throw new Error(`migration ${m.name} skips a version (database is at ${version})`);
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}

/** Opens (creating if needed) `<dataDir>/class.sqlite`, owner-only, and brings its schema up to date. */
export function openClassDb(dataDir: string): ClassDb {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dataDir, "class.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // A second process (the `class` command while the server runs) waits for the lock instead of failing.
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}
