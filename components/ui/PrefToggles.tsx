"use client";
// Language, theme and sidebar switches in the top bar; each choice is remembered in localStorage.
import { setPref, usePref } from "@/lib/client/prefs";
import { t } from "@/lib/shared/ui-text";

export function LangToggle() {
  const lang = usePref("lang");
  return (
    <div className="segmented" role="group" aria-label={t(lang, "language")}>
      <button type="button" aria-pressed={lang === "zh"} onClick={() => setPref("lang", "zh")} lang="zh-CN">
        中文
      </button>
      <button type="button" aria-pressed={lang === "en"} onClick={() => setPref("lang", "en")} lang="en">
        English
      </button>
    </div>
  );
}

export function ThemeToggle() {
  const lang = usePref("lang");
  const theme = usePref("theme");
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="icon-btn"
      onClick={() => setPref("theme", next)}
      aria-label={t(lang, next === "dark" ? "themeToDark" : "themeToLight")}
      title={t(lang, next === "dark" ? "themeToDark" : "themeToLight")}
    >
      {theme === "dark" ? (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden>
          <circle cx="12" cy="12" r="4.5" fill="currentColor" />
          <g stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8" />
          </g>
        </svg>
      ) : (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden>
          <path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5Z" fill="currentColor" />
        </svg>
      )}
    </button>
  );
}

export function SidebarToggle() {
  const lang = usePref("lang");
  const pref = usePref("sidebar");
  const toggle = () => {
    const shown = pref === "auto" ? window.matchMedia("(min-width: 1440px)").matches : pref === "open";
    setPref("sidebar", shown ? "closed" : "open");
  };
  return (
    <button
      type="button"
      className="icon-btn"
      onClick={toggle}
      aria-label={t(lang, "toggleSidebar")}
      title={t(lang, "toggleSidebar")}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden>
        <rect x="3" y="4" width="18" height="16" rx="2.5" fill="none" stroke="currentColor" strokeWidth="1.8" />
        <path d="M9 4v16" stroke="currentColor" strokeWidth="1.8" />
      </svg>
    </button>
  );
}
