"use client";
// One pane of output in an xterm.js terminal (a service, or all of them): replays what the bus holds, then follows
// it, with follow/pause, search and clear. Browser only.
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { Terminal, type IMarker } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { SearchAddon, type ISearchOptions } from "@xterm/addon-search";
import "@xterm/xterm/css/xterm.css";
import { ALL_PANE, type TerminalBus } from "@/lib/client/terminal-bus";
import { countNewlines } from "@/lib/client/log-lines";
import { openCode, type CodeLink } from "@/lib/client/code-links";
import { t, type UiLang } from "@/lib/shared/ui-text";
import { TERMINAL_THEMES as THEMES, bufferText } from "./themes";

const HIDE_CURSOR = "\x1b[?25l";

declare global {
  interface Window {
    /** For the end-to-end test: the text each pane shows, read from xterm's buffer (key: service, or "*all"). */
    __playgroundTerminals?: Record<string, () => string>;
    /** For the end-to-end test and the benchmark: lines each pane's terminal has written so far. */
    __playgroundLines?: Record<string, number>;
  }
}

const SEARCH_COLOURS: Record<"dark" | "light", NonNullable<ISearchOptions["decorations"]>> = {
  dark: {
    matchBackground: "#4a3f12",
    matchOverviewRuler: "#f2c46d",
    activeMatchBackground: "#b8860b",
    activeMatchColorOverviewRuler: "#ffdd55",
  },
  light: {
    matchBackground: "#fff1b8",
    matchOverviewRuler: "#9a6700",
    activeMatchBackground: "#ffc940",
    activeMatchColorOverviewRuler: "#8a5a00",
  },
};

export interface TerminalPaneProps {
  bus: TerminalBus;
  /** A service name, or ALL_PANE. */
  channel: string;
  theme: "dark" | "light";
  lang: UiLang;
  label: string;
  /** Controls of the service this pane shows (stop, restart), first in its toolbar. */
  actions?: ReactNode;
  /** The links from a service's line of output to the lesson's code (file:line); opened in the editor. */
  codeLinks?: (service: string, text: string) => CodeLink[];
}

interface Controls {
  pause(): void;
  follow(): void;
  find(term: string, backwards: boolean, incremental: boolean): void;
  clearSearch(): void;
}

/** "monolith     │ text" in the all-services pane: the service, and where its own text starts. */
const ALL_PREFIX = /^(\S+)\s*│ /;

export default function TerminalPane({ bus, channel, theme, lang, label, actions, codeLinks }: TerminalPaneProps) {
  const codeLinksRef = useRef(codeLinks);
  codeLinksRef.current = codeLinks;
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const controls = useRef<Controls | null>(null);
  const initialTheme = useRef(theme);
  const themeRef = useRef(theme);
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  const onDropChange = useCallback((l: () => void) => bus.onChange(l), [bus]);
  const dropped = useSyncExternalStore(
    onDropChange,
    () => bus.droppedCount(channel),
    () => 0,
  );

  useEffect(() => {
    themeRef.current = theme;
  });

  useEffect(() => {
    const element = host.current!;
    const terminal = new Terminal({
      convertEol: true, // container output without a TTY is LF-only
      disableStdin: true,
      cursorInactiveStyle: "none",
      fontFamily: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 12.5,
      lineHeight: 1.25,
      scrollback: 5000,
      theme: THEMES[initialTheme.current],
      allowProposedApi: true, // search highlights are decorations
      // Program output picks its own colours (and dims some lines): xterm.js lifts any that would fall under WCAG AA.
      minimumContrastRatio: 4.5,
    });
    const fit = new FitAddon();
    const search = new SearchAddon({ highlightLimit: 2000 });
    terminal.loadAddon(fit);
    terminal.loadAddon(search);
    terminal.open(element);
    term.current = terminal;
    // file:line in a line of output (a compiler message, a panic's stack) links to that line of the lesson's code.
    const linkProvider = terminal.registerLinkProvider({
      provideLinks: (y, callback) => {
        const text = terminal.buffer.active.getLine(y - 1)?.translateToString(true) ?? "";
        const prefix = channel === ALL_PANE ? ALL_PREFIX.exec(text) : null;
        const service = prefix ? prefix[1] : channel;
        const offset = prefix ? prefix[0].length : 0;
        const found = codeLinksRef.current?.(service, text.slice(offset)) ?? [];
        callback(
          found.length === 0
            ? undefined
            : found.map((l) => ({
                range: { start: { x: offset + l.start + 1, y }, end: { x: offset + l.end, y } },
                text: text.slice(offset + l.start, offset + l.end),
                decorations: { underline: true, pointerCursor: true },
                activate: () => openCode(l),
              })),
        );
      },
    });
    const resultsListener = search.onDidChangeResults(({ resultIndex, resultCount }) =>
      setResults({ index: resultIndex, count: resultCount }),
    );

    // Fitting a hidden pane is a no-op; fitting after dispose throws (xterm.js #4983), hence the cancels below.
    const refit = () => {
      if (element.offsetWidth > 0 && element.offsetHeight > 0) fit.fit();
    };
    let frame = requestAnimationFrame(refit);
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(refit);
    });
    observer.observe(element);

    // Paused: the view stays on the line it showed (a marker follows it as old lines scroll out of the
    // scrollback) and new lines are counted, shown on the Follow button. The count reaches React once a frame.
    let pin: IMarker | undefined;
    let newLines = 0;
    let countFrame = 0;
    const showCount = () => {
      countFrame = 0;
      setWaiting(newLines);
    };
    const holdView = () => {
      if (!pin) return;
      if (pin.isDisposed) terminal.scrollToTop();
      else terminal.scrollToLine(pin.line);
    };
    const pause = () => {
      if (pin) return;
      const buffer = terminal.buffer.active;
      pin = terminal.registerMarker(buffer.viewportY - (buffer.baseY + buffer.cursorY));
      newLines = 0;
      setWaiting(0);
      setPaused(true);
    };
    const follow = () => {
      pin?.dispose();
      pin = undefined;
      newLines = 0;
      setWaiting(0);
      setPaused(false);
      terminal.scrollToBottom();
    };

    const lines = (window.__playgroundLines ??= {});
    lines[channel] = 0;
    const write = (text: string, written: () => void) => {
      const n = countNewlines(text);
      terminal.write(text, () => {
        written();
        lines[channel] += n;
        if (pin) holdView();
      });
      if (pin) {
        newLines += n;
        countFrame ||= requestAnimationFrame(showCount);
      }
    };
    terminal.write(HIDE_CURSOR + bus.text(channel));
    const unfollow = bus.follow(channel, write, () => {
      terminal.reset();
      terminal.write(HIDE_CURSOR);
      search.clearDecorations();
      setResults(null);
      if (pin) follow();
    });

    // Scrolling up with the wheel pauses; scrolling back to the bottom follows again.
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY < 0) pause();
      else
        requestAnimationFrame(() => {
          const buffer = terminal.buffer.active;
          if (pin && !pin.isDisposed && buffer.viewportY >= buffer.baseY) follow();
        });
    };
    element.addEventListener("wheel", onWheel, { passive: true });

    controls.current = {
      pause,
      follow,
      find(q, backwards, incremental) {
        if (q === "") {
          search.clearDecorations();
          setResults(null);
          return;
        }
        // A match is looked at where it is: the pane stops following so new output does not scroll it away.
        pause();
        const options: ISearchOptions = { decorations: SEARCH_COLOURS[themeRef.current], incremental };
        const found = backwards ? search.findPrevious(q, options) : search.findNext(q, options);
        if (!found) setResults({ index: -1, count: 0 });
        // The marker now follows the match, so a paused view stays on it.
        pin?.dispose();
        const buffer = terminal.buffer.active;
        pin = terminal.registerMarker(buffer.viewportY - (buffer.baseY + buffer.cursorY));
      },
      clearSearch() {
        search.clearDecorations();
        terminal.clearSelection();
        setResults(null);
      },
    };
    window.__playgroundTerminals = { ...window.__playgroundTerminals, [channel]: () => bufferText(terminal) };

    return () => {
      unfollow();
      resultsListener.dispose();
      linkProvider.dispose();
      element.removeEventListener("wheel", onWheel);
      observer.disconnect();
      cancelAnimationFrame(frame);
      cancelAnimationFrame(countFrame);
      if (window.__playgroundTerminals) delete window.__playgroundTerminals[channel];
      controls.current = null;
      term.current = null;
      terminal.dispose();
    };
  }, [bus, channel]);

  useEffect(() => {
    if (term.current) term.current.options.theme = THEMES[theme];
  }, [theme]);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      controls.current?.find(query, e.shiftKey, false);
    } else if (e.key === "Escape") {
      setQuery("");
      controls.current?.clearSearch();
    }
  };

  return (
    <div className="terminal-pane" data-paused={paused || undefined}>
      <div className="log-toolbar" role="toolbar" aria-label={`${label}: ${t(lang, "logTools")}`}>
        {actions}
        <button
          type="button"
          className={`log-follow${paused ? " is-paused" : ""}`}
          onClick={() => (paused ? controls.current?.follow() : controls.current?.pause())}
          aria-pressed={!paused}
          title={t(lang, paused ? "followHint" : "pauseHint")}
        >
          <span aria-hidden>{paused ? "▼" : "❚❚"}</span>
          {paused ? t(lang, "follow") : t(lang, "pause")}
          {paused && waiting > 0 && (
            <span className="log-waiting" data-testid="waiting-lines">
              {waiting} {t(lang, "newLines")}
            </span>
          )}
        </button>
        <div className="log-search" role="search">
          <input
            type="search"
            value={query}
            placeholder={t(lang, "searchLogs")}
            aria-label={t(lang, "searchLogs")}
            onChange={(e) => {
              setQuery(e.target.value);
              controls.current?.find(e.target.value, false, true);
            }}
            onKeyDown={onSearchKey}
            spellCheck={false}
          />
          <span className="log-results muted" aria-live="polite" data-testid="search-results">
            {results && query
              ? results.count === 0
                ? t(lang, "noMatches")
                : results.index >= 0
                  ? `${results.index + 1}/${results.count}`
                  : `${results.count}+`
              : ""}
          </span>
          <button
            type="button"
            className="log-icon"
            onClick={() => controls.current?.find(query, true, false)}
            disabled={!query}
            aria-label={t(lang, "previousMatch")}
            title={t(lang, "previousMatch")}
          >
            ↑
          </button>
          <button
            type="button"
            className="log-icon"
            onClick={() => controls.current?.find(query, false, false)}
            disabled={!query}
            aria-label={t(lang, "nextMatch")}
            title={t(lang, "nextMatch")}
          >
            ↓
          </button>
        </div>
        {dropped > 0 && (
          <span className="log-dropped" data-testid="dropped-lines" title={t(lang, "droppedHint")}>
            ⚠ {dropped} {t(lang, "linesDropped")}
          </span>
        )}
        <button
          type="button"
          className="log-icon log-clear"
          onClick={() => bus.clear(channel)}
          aria-label={t(lang, "clearPane")}
          title={t(lang, "clearPane")}
        >
          ⌫
        </button>
      </div>
      <div ref={host} className="terminal-host" role="log" aria-label={label} />
    </div>
  );
}
