// The document shell: language and theme attributes (restored before paint), global styles.
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { DEFAULT_PREFS, PREFS_BOOT_SCRIPT } from "@/lib/shared/prefs";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Go 微服务演练场 · Go Microservices Playground", template: "%s · Go 微服务演练场" },
  description: "Learn microservices with Go by editing and running real services in the browser.",
  icons: { icon: "/favicon.svg" },
};

export const viewport: Viewport = { colorScheme: "dark light" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html
      lang="zh-CN"
      data-lang={DEFAULT_PREFS.lang}
      data-theme={DEFAULT_PREFS.theme}
      data-sidebar={DEFAULT_PREFS.sidebar}
      // Class mode (set by server.mts): the page syncs the learner's work with the server (lib/client/class-sync.ts).
      data-class-mode={process.env.PLAYGROUND_MODE === "class" ? "1" : undefined}
      suppressHydrationWarning
    >
      <head>
        <script dangerouslySetInnerHTML={{ __html: PREFS_BOOT_SCRIPT }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
