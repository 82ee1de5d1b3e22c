-- Class mode's first schema: a class, its learners, their sign-in sessions, edits, progress and runs.
-- Secrets (teacher link, invite link, short code, session ids) are stored as SHA-256 hashes only: a copy of this
-- file does not let anyone into a class.
CREATE TABLE classes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  teacher_token_hash TEXT NOT NULL UNIQUE,
  invite_token_hash TEXT NOT NULL UNIQUE,
  short_code_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  closed_at INTEGER
);

CREATE TABLE learners (
  id TEXT PRIMARY KEY,
  class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  display_name TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX learners_by_class ON learners(class_id);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  class_id TEXT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  -- NULL for the teacher's sessions.
  learner_id TEXT REFERENCES learners(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('teacher', 'learner')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_learner ON sessions(learner_id);

-- Only the files that differ from the lesson's original, as the browser keeps them.
CREATE TABLE edits (
  learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
  lesson_slug TEXT NOT NULL,
  files_json TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  PRIMARY KEY (learner_id, lesson_slug)
);

CREATE TABLE progress (
  learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
  lesson_slug TEXT NOT NULL,
  progress_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (learner_id, lesson_slug)
);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
  lesson_slug TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  all_running_at INTEGER,
  ended_at INTEGER,
  end_reason TEXT
);
CREATE INDEX runs_by_learner ON runs(learner_id, started_at);
