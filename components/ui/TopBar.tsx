// The bar over every page: the product, where you are, and the language/theme switches.
import Link from "next/link";
import { Bi } from "./Bi";
import { LangToggle, SidebarToggle, ThemeToggle } from "./PrefToggles";
import { SessionKeeper } from "./SessionKeeper";
import { ClassBadge } from "../class/ClassBadge";
import { UI } from "@/lib/shared/ui-text";

export function TopBar({ crumb, withSidebar = false }: { crumb?: { zh: string; en: string }; withSidebar?: boolean }) {
  return (
    <header className="topbar">
      {withSidebar && <SidebarToggle />}
      <Link href="/" className="brand">
        <svg className="brand-mark" viewBox="0 0 32 32" width="22" height="22" aria-hidden>
          <rect x="1" y="1" width="30" height="30" rx="8" fill="var(--accent)" />
          <path d="M9 11h7M9 16h11M9 21h6" stroke="var(--accent-ink)" strokeWidth="2.6" strokeLinecap="round" />
          <circle cx="23" cy="11" r="2.4" fill="var(--accent-ink)" />
          <circle cx="21" cy="21" r="2.4" fill="var(--accent-ink)" />
        </svg>
        <Bi {...UI.product} />
      </Link>
      {crumb && (
        <span className="crumb">
          <span className="crumb-sep" aria-hidden>
            /
          </span>
          <Bi {...crumb} />
        </span>
      )}
      <span className="spacer" />
      <ClassBadge />
      <LangToggle />
      <ThemeToggle />
      <SessionKeeper />
    </header>
  );
}
