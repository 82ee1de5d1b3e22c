"use client";
// The learner's edits of one lesson: restored from this browser after mount, kept there on every change, reset to the
// originals; `revision` tells the editor to reload its models when the files change from outside it.
import { useCallback, useEffect, useRef, useState } from "react";
import { clearEdits, loadEdits, saveEdits } from "@/lib/client/storage";
import { classWork, saveEditsToClass } from "@/lib/client/class-sync";
import type { LessonFiles } from "@/sandbox/types";

export interface Edits {
  files: LessonFiles;
  /** False until the stored edits are back (the server renders the originals): a Run before would build those. */
  loaded: boolean;
  revision: number;
  /** The files as they are now, for handlers that must not wait for a render (Run, save). */
  current: () => LessonFiles;
  edit: (path: string, text: string) => void;
  reset: () => void;
  isModified: (path: string) => boolean;
}

export function useEdits(slug: string, originals: LessonFiles): Edits {
  const [files, setFiles] = useState<LessonFiles>(originals);
  const [loaded, setLoaded] = useState(false);
  const [revision, setRevision] = useState(0);
  const filesRef = useRef(files);
  useEffect(() => {
    filesRef.current = files;
  });

  useEffect(() => {
    let live = true;
    // In class mode the learner's saved work comes from the server first (a no-op resolved at once in solo mode).
    void classWork().then(() => {
      if (!live) return;
      setFiles(loadEdits(localStorage, slug, originals));
      setRevision((r) => r + 1);
      setLoaded(true);
    });
    return () => {
      live = false;
    };
  }, [slug, originals]);

  useEffect(() => {
    if (!loaded) return;
    saveEdits(localStorage, slug, files, originals);
    saveEditsToClass(slug, files, originals);
  }, [loaded, slug, files, originals]);

  const current = useCallback(() => filesRef.current, []);
  const edit = useCallback((path: string, text: string) => {
    setFiles((prev) => (prev[path] === text ? prev : { ...prev, [path]: text }));
  }, []);
  const reset = useCallback(() => {
    clearEdits(localStorage, slug);
    saveEditsToClass(slug, originals, originals);
    setFiles(originals);
    setRevision((r) => r + 1);
  }, [slug, originals]);
  const isModified = useCallback((path: string) => files[path] !== originals[path], [files, originals]);

  return { files, loaded, revision, current, edit, reset, isModified };
}
