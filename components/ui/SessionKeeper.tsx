"use client";
// Every page of the playground holds the tab's socket, so a run outlives a visit to the lesson list or the summary:
// the server stops a run only when its tab has been gone for the grace period, not when the learner browses.
import { useEffect } from "react";
import { getSocket } from "@/lib/client/socket";

export function SessionKeeper() {
  useEffect(() => {
    getSocket();
  }, []);
  return null;
}
