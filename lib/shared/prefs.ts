// Preference defaults and the script that restores stored choices before paint (safe for server components).

/** Every key the playground keeps in the browser's localStorage starts with this. */
export const STORAGE_PREFIX = "gmp:";

export type Lang = "zh" | "en";
export type Theme = "dark" | "light";
export type SidebarPref = "open" | "closed";

/** Where each preference is stored (also read before the first paint by PREFS_BOOT_SCRIPT). */
export const PREF_KEYS = {
  lang: `${STORAGE_PREFIX}lang`,
  theme: `${STORAGE_PREFIX}theme`,
  sidebar: `${STORAGE_PREFIX}sidebar`,
} as const;

export interface Prefs {
  lang: Lang;
  theme: Theme;
  sidebar: SidebarPref | "auto";
}

/** What the server renders; the inline script in app/layout.tsx replaces it with the stored choice before paint. */
export const DEFAULT_PREFS: Prefs = { lang: "zh", theme: "dark", sidebar: "auto" };

/**
 * Runs in <head> before the page paints: applies the stored language, theme and sidebar choice to <html>.
 * Kept as a string because it must not wait for any bundle.
 */
export const PREFS_BOOT_SCRIPT = `(function(){try{var d=document.documentElement,s=localStorage;
var l=s.getItem(${JSON.stringify(PREF_KEYS.lang)});if(l==="zh"||l==="en"){d.dataset.lang=l;d.lang=l==="zh"?"zh-CN":"en";}
var t=s.getItem(${JSON.stringify(PREF_KEYS.theme)});if(t!=="dark"&&t!=="light"){t=matchMedia("(prefers-color-scheme: light)").matches?"light":"dark";}d.dataset.theme=t;
var b=s.getItem(${JSON.stringify(PREF_KEYS.sidebar)});if(b==="open"||b==="closed"){d.dataset.sidebar=b;}
}catch(e){}})();`;
