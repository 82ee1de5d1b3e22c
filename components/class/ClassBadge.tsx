"use client";
// Class mode: who is signed in (and to which class), with the sign-out button. Renders nothing in solo mode.
import { useEffect, useState } from "react";
import { classWork } from "@/lib/client/class-sync";
import type { ClassWhoAmI } from "@/lib/shared/class-protocol";
import { UI } from "@/lib/shared/ui-text";
import { Bi } from "../ui/Bi";

export function ClassBadge() {
  const [who, setWho] = useState<ClassWhoAmI | null>(null);
  const [returnPath, setReturnPath] = useState<string | undefined>();
  useEffect(() => {
    void classWork().then((me) => {
      setWho(me?.who ?? null);
      setReturnPath(me?.returnPath);
    });
  }, []);
  if (!who) return null;
  return (
    <form method="post" action="/class/logout" className="class-badge">
      <span className="class-who" data-testid="class-who">
        {who.displayName ?? <Bi {...UI["class.teacher"]} />} · {who.className}
      </span>
      {returnPath && (
        <a href={returnPath} className="class-return" data-testid="class-return">
          <Bi {...UI["class.returnLink"]} />
        </a>
      )}
      <button type="submit" className="btn btn-small">
        <Bi {...UI["class.signOut"]} />
      </button>
    </form>
  );
}
